# pulumi: aws:rds/proxy:Proxy
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_subnet" "s2" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}
resource "aws_secretsmanager_secret" "s" {
  name_prefix             = "learn-"
  recovery_window_in_days = 0
}
resource "aws_iam_role" "r" {
  name_prefix = "learn-"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "rds.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
resource "aws_db_proxy" "t" {
  name           = "learn-proxy"
  engine_family  = "POSTGRESQL"
  role_arn       = aws_iam_role.r.arn
  vpc_subnet_ids = [aws_subnet.s.id, aws_subnet.s2.id]
  require_tls    = true
  idle_client_timeout = var.phase == "create" ? 1800 : 1700
  auth {
    auth_scheme = "SECRETS"
    iam_auth    = "REQUIRED"
    secret_arn  = aws_secretsmanager_secret.s.arn
  }
  tags = { phase = var.phase }
}
