# pulumi: aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket_public_access_block" "t" {
  bucket              = aws_s3_bucket.b.id
  block_public_acls   = true
  block_public_policy = var.phase == "create"
}
