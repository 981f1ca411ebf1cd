# pulumi: aws:s3/bucketVersioning:BucketVersioning
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket_versioning" "t" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = var.phase == "create" ? "Enabled" : "Suspended"
  }
}
