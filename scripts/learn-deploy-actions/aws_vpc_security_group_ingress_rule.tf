# pulumi: aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_security_group" "sg" {
  name_prefix = "learn-"
  vpc_id      = aws_vpc.v.id
}
resource "aws_vpc_security_group_ingress_rule" "t" {
  security_group_id = aws_security_group.sg.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/16"
  description       = var.phase
  tags = { phase = var.phase }
}
