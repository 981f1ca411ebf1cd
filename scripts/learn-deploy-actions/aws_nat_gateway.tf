# pulumi: aws:ec2/natGateway:NatGateway
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_eip" "e" {
  domain = "vpc"
}
resource "aws_nat_gateway" "t" {
  allocation_id = aws_eip.e.id
  subnet_id     = aws_subnet.s.id
  tags = { phase = var.phase }
}
