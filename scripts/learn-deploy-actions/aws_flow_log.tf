# pulumi: aws:ec2/flowLog:FlowLog
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_s3_bucket" "b" {
  bucket_prefix = "learn-"
}
resource "aws_flow_log" "t" {
  vpc_id               = aws_vpc.v.id
  traffic_type         = "REJECT"
  log_destination_type = "s3"
  log_destination      = aws_s3_bucket.b.arn
  tags = { phase = var.phase }
}
