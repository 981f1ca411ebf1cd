# pulumi: aws:ec2/defaultSecurityGroup:DefaultSecurityGroup
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_default_security_group" "t" {
  vpc_id = aws_vpc.v.id
  tags = { phase = var.phase }
}
