# pulumi: aws:iam/rolePolicy:RolePolicy
resource "aws_iam_role" "r" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_iam_role_policy" "t" {
  name   = "learn"
  role   = aws_iam_role.r.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = var.phase, Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::learn/*" }] })
}
