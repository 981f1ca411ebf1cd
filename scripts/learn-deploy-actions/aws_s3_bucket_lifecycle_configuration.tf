# pulumi: aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket_lifecycle_configuration" "t" {
  bucket = aws_s3_bucket.b.id
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = var.phase == "create" ? 30 : 60
    }
  }
}
