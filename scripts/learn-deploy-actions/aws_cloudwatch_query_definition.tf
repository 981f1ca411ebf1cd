# pulumi: aws:cloudwatch/queryDefinition:QueryDefinition
resource "aws_cloudwatch_query_definition" "t" {
  name         = "learn"
  query_string = "fields @timestamp | limit ${var.phase == "create" ? 10 : 20}"
}
