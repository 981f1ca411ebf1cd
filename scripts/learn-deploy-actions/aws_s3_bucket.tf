# pulumi: aws:s3/bucket:Bucket
resource "aws_s3_bucket" "t" {
  bucket_prefix = "learn-"
  tags = { phase = var.phase }
}
