# pulumi: aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault
resource "aws_backup_logically_air_gapped_vault" "t" {
  name               = "learn"
  min_retention_days = 7
  max_retention_days = 30
  tags = { phase = var.phase }
}
