# pulumi: aws:kms/key:Key
resource "aws_kms_key" "t" {
  description             = var.phase
  deletion_window_in_days = 7
  enable_key_rotation     = true
  tags = { phase = var.phase }
}
