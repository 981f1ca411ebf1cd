# pulumi: aws:rds/parameterGroup:ParameterGroup
resource "aws_db_parameter_group" "t" {
  name_prefix = "learn-"
  family      = "postgres16"
  parameter {
    name  = "log_min_duration_statement"
    value = var.phase == "create" ? "1000" : "2000"
  }
  tags = { phase = var.phase }
}
