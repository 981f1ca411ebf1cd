# pulumi: aws:ec2/route:Route
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_internet_gateway" "i" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route_table" "rt" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route" "t" {
  route_table_id         = aws_route_table.rt.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.i.id
}
