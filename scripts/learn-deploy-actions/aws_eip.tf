# pulumi: aws:ec2/eip:Eip
resource "aws_eip" "t" {
  domain = "vpc"
  tags = { phase = var.phase }
}
