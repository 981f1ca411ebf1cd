# pulumi: aws:ec2/securityGroup:SecurityGroup
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_security_group" "t" {
  name_prefix = "learn-"
  vpc_id      = aws_vpc.v.id
  tags = { phase = var.phase }
}
