# pulumi: aws:ec2/routeTable:RouteTable
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_route_table" "t" {
  vpc_id = aws_vpc.v.id
  tags = { phase = var.phase }
}
