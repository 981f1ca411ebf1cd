# pulumi: aws:ec2/instance:Instance
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
data "aws_ami" "a" {
  most_recent = true
  owners      = ["amazon"]
}
resource "aws_instance" "t" {
  ami           = data.aws_ami.a.id
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.s.id
  metadata_options {
    http_tokens = "required"
  }
  tags = { phase = var.phase }
}
