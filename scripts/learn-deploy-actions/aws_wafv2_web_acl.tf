# pulumi: aws:wafv2/webAcl:WebAcl
resource "aws_wafv2_web_acl" "t" {
  description = var.phase
  name  = "learn-acl-t"
  scope = "REGIONAL"
  default_action {
    allow {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = false
    metric_name                = "learn"
    sampled_requests_enabled   = false
  }
  tags = { phase = var.phase }
}
