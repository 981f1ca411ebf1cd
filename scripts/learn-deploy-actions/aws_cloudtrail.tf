# pulumi: aws:cloudtrail/trail:Trail
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_cloudtrail" "t" {
  name           = "learn"
  s3_bucket_name = aws_s3_bucket.b.id
  enable_log_file_validation = true
  tags = { phase = var.phase }
}
