# pulumi: aws:ec2/subnet:Subnet
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "t" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.3.0/24"
  tags = { phase = var.phase }
}
