# pulumi: aws:cloudwatch/eventRule:EventRule
resource "aws_cloudwatch_event_rule" "t" {
  name                = "learn"
  schedule_expression = "rate(1 day)"
  tags = { phase = var.phase }
}
