# pulumi: aws:rds/subnetGroup:SubnetGroup
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_subnet" "s2" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}
resource "aws_db_subnet_group" "t" {
  name_prefix = "learn-"
  subnet_ids  = [aws_subnet.s.id, aws_subnet.s2.id]
  description = var.phase
  tags = { phase = var.phase }
}
