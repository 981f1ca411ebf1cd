# pulumi: aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "peer" {
  cidr_block = "10.3.0.0/16"
}
resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.v.id
  peer_vpc_id = aws_vpc.peer.id
}
resource "aws_vpc_peering_connection_accepter" "t" {
  vpc_peering_connection_id = aws_vpc_peering_connection.p.id
  auto_accept               = true
  tags = { phase = var.phase }
}
