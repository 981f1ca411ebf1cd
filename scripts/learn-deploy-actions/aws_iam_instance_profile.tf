# pulumi: aws:iam/instanceProfile:InstanceProfile
resource "aws_iam_role" "r" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_iam_instance_profile" "t" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  role        = aws_iam_role.r.name
  tags = { phase = var.phase }
}
