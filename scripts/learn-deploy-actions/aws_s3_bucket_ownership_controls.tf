# pulumi: aws:s3/bucketOwnershipControls:BucketOwnershipControls
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket_ownership_controls" "t" {
  bucket = aws_s3_bucket.b.id
  rule {
    object_ownership = var.phase == "create" ? "BucketOwnerEnforced" : "BucketOwnerPreferred"
  }
}
