# pulumi: aws:ec2/routeTableAssociation:RouteTableAssociation
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_route_table" "rt" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route_table_association" "t" {
  subnet_id      = aws_subnet.s.id
  route_table_id = aws_route_table.rt.id
}
