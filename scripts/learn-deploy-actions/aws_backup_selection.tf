# pulumi: aws:backup/selection:Selection
resource "aws_iam_role" "r" {
  name_prefix = "learn-"
  path        = "/twine/learn/"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}
resource "aws_backup_vault" "v" {
  name = "learn-sel"
}
resource "aws_backup_plan" "p" {
  name = "learn-sel"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.v.name
    schedule          = "cron(0 5 * * ? *)"
  }
}
resource "aws_backup_selection" "t" {
  name         = "learn-${var.phase}"
  plan_id      = aws_backup_plan.p.id
  iam_role_arn = aws_iam_role.r.arn
  resources    = ["arn:aws:rds:us-east-1:123456789012:db:learn"]
}
