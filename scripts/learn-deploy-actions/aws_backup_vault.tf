# pulumi: aws:backup/vault:Vault
resource "aws_backup_vault" "t" {
  name = "learn"
  tags = { phase = var.phase }
}
