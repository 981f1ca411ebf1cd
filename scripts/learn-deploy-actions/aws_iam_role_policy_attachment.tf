# pulumi: aws:iam/rolePolicyAttachment:RolePolicyAttachment
resource "aws_iam_role" "r" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_iam_policy" "p" {
  name_prefix = "learn-"
  policy      = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::learn/*" }] })
}
resource "aws_iam_role_policy_attachment" "t" {
  role       = aws_iam_role.r.name
  policy_arn = aws_iam_policy.p.arn
}
