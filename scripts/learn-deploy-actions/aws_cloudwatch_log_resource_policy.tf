# pulumi: aws:cloudwatch/logResourcePolicy:LogResourcePolicy
resource "aws_cloudwatch_log_resource_policy" "t" {
  policy_name     = "learn"
  policy_document = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = var.phase, Effect = "Allow", Principal = { Service = "delivery.logs.amazonaws.com" }, Action = "logs:PutLogEvents", Resource = "*" }] })
}
