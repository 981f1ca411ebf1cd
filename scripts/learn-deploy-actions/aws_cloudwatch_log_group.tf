# pulumi: aws:cloudwatch/logGroup:LogGroup
resource "aws_cloudwatch_log_group" "t" {
  name_prefix       = "learn-"
  retention_in_days = var.phase == "create" ? 30 : 60
  tags = { phase = var.phase }
}
