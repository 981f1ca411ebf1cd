# pulumi: aws:kms/grant:Grant
resource "aws_kms_key" "k" {
  deletion_window_in_days = 7
}
resource "aws_kms_grant" "t" {
  key_id            = aws_kms_key.k.key_id
  grantee_principal = "arn:aws:iam::123456789012:role/learn"
  operations        = ["Decrypt", "DescribeKey"]
  retire_on_delete  = true
  retiring_principal = "arn:aws:iam::123456789012:root"
}
