# pulumi: aws:s3/bucketPolicy:BucketPolicy
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_s3_bucket_policy" "t" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = var.phase, Effect = "Deny", Principal = "*", Action = "s3:*", Resource = ["${aws_s3_bucket.b.arn}/*"], Condition = { Bool = { "aws:SecureTransport" = "false" } } }] })
}
