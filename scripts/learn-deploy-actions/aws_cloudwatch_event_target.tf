# pulumi: aws:cloudwatch/eventTarget:EventTarget
resource "aws_sns_topic" "tp" {
  name_prefix = "learn-"
}
resource "aws_cloudwatch_event_rule" "e" {
  name                = "learn-target"
  schedule_expression = "rate(1 day)"
}
resource "aws_cloudwatch_event_target" "t" {
  rule  = aws_cloudwatch_event_rule.e.name
  arn   = aws_sns_topic.tp.arn
  input = jsonencode({ phase = var.phase })
}
