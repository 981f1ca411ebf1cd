# pulumi: aws:cloudwatch/metricAlarm:MetricAlarm
resource "aws_cloudwatch_metric_alarm" "t" {
  alarm_name          = "learn"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 300
  statistic           = "Average"
  threshold           = var.phase == "create" ? 80 : 90
  tags = { phase = var.phase }
}
