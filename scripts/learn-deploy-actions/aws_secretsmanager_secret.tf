# pulumi: aws:secretsmanager/secret:Secret
resource "aws_secretsmanager_secret" "t" {
  name_prefix = "learn-"
  description = var.phase
  recovery_window_in_days = 0
  tags = { phase = var.phase }
}
