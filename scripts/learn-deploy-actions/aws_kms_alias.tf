# pulumi: aws:kms/alias:Alias
resource "aws_kms_key" "k" {
  deletion_window_in_days = 7
}
resource "aws_kms_alias" "t" {
  name          = "alias/learn"
  target_key_id = aws_kms_key.k.key_id
}
