# pulumi: aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration
resource "aws_wafv2_web_acl" "w" {
  name  = "learn-acl-logging"
  scope = "REGIONAL"
  default_action {
    allow {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = false
    metric_name                = "learn"
    sampled_requests_enabled   = false
  }
}
resource "aws_cloudwatch_log_group" "lg" {
  name = "aws-waf-logs-learn"
}
resource "aws_wafv2_web_acl_logging_configuration" "t" {
  resource_arn            = aws_wafv2_web_acl.w.arn
  log_destination_configs = [aws_cloudwatch_log_group.lg.arn]
  redacted_fields {
    single_header {
      name = var.phase
    }
  }
}
