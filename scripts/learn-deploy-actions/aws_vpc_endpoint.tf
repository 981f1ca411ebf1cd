# pulumi: aws:ec2/vpcEndpoint:VpcEndpoint
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc_endpoint" "t" {
  vpc_id       = aws_vpc.v.id
  service_name = "com.amazonaws.us-east-1.s3"
  tags = { phase = var.phase }
}
