# pulumi: aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "t" {
  bucket = aws_s3_bucket.b.id
  rule {
    bucket_key_enabled = var.phase == "create"
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}
