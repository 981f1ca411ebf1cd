# pulumi: aws:rds/instance:Instance
resource "aws_db_instance" "t" {
  identifier_prefix           = "learn-"
  engine                      = "postgres"
  engine_version              = "16.3"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "twine"
  manage_master_user_password = true
  storage_encrypted           = true
  skip_final_snapshot         = true
  backup_retention_period     = var.phase == "create" ? 7 : 8
  apply_immediately           = true
  tags = { phase = var.phase }
}
