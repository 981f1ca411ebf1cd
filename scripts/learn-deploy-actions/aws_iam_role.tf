# pulumi: aws:iam/role:Role
resource "aws_iam_role" "t" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  description = var.phase
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  tags = { phase = var.phase }
}
