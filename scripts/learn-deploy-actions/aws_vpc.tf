# pulumi: aws:ec2/vpc:Vpc
resource "aws_vpc" "t" {
  cidr_block           = "10.1.0.0/16"
  enable_dns_hostnames = true
  tags = { phase = var.phase }
}
