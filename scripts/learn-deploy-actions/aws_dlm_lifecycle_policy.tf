# pulumi: aws:dlm/lifecyclePolicy:LifecyclePolicy
resource "aws_iam_role" "r" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_dlm_lifecycle_policy" "t" {
  description        = "learn ${var.phase}"
  execution_role_arn = aws_iam_role.r.arn
  state              = "ENABLED"
  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { learn = "yes" }
    schedule {
      name = "daily"
      create_rule {
        interval = 24
      }
      retain_rule {
        count = 7
      }
    }
  }
  tags = { phase = var.phase }
}
