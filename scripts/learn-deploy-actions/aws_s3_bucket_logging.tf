# pulumi: aws:s3/bucketLogging:BucketLogging
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket" "logs" {
  bucket_prefix = "learn-logs-"
}
resource "aws_s3_bucket_acl" "logs" {
  bucket = aws_s3_bucket.logs.id
  acl    = "log-delivery-write"
}
resource "aws_s3_bucket_logging" "t" {
  depends_on    = [aws_s3_bucket_acl.logs]
  bucket        = aws_s3_bucket.b.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "${var.phase}/"
}
