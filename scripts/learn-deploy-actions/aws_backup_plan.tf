# pulumi: aws:backup/plan:Plan
resource "aws_backup_vault" "v" {
  name = "learn-plan"
}
resource "aws_backup_plan" "t" {
  name = "learn"
  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.v.name
    schedule          = var.phase == "create" ? "cron(0 5 * * ? *)" : "cron(0 6 * * ? *)"
  }
  tags = { phase = var.phase }
}
