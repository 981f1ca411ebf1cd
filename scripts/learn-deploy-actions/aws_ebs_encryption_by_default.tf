# pulumi: aws:ebs/encryptionByDefault:EncryptionByDefault
resource "aws_ebs_encryption_by_default" "t" {
  enabled = var.phase == "create"
}
