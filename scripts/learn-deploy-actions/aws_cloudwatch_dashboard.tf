# pulumi: aws:cloudwatch/dashboard:Dashboard
resource "aws_cloudwatch_dashboard" "t" {
  dashboard_name = "learn"
  dashboard_body = jsonencode({ widgets = [{ type = "text", x = 0, y = 0, width = 6, height = 2, properties = { markdown = var.phase } }] })
}
