# pulumi: aws:ec2/internetGateway:InternetGateway
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "t" {
  vpc_id = aws_vpc.v.id
  tags = { phase = var.phase }
}
