# pulumi: aws:iam/policy:Policy
resource "aws_iam_policy" "t" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  policy      = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = var.phase, Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::learn/*" }] })
  tags = { phase = var.phase }
}
