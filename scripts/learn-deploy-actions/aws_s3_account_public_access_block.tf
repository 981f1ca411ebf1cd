# pulumi: aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock
resource "aws_s3_account_public_access_block" "t" {
  account_id          = "123456789012"
  block_public_acls   = true
  block_public_policy = var.phase == "create"
}
