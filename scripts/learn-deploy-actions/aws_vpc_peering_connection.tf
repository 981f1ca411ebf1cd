# pulumi: aws:ec2/vpcPeeringConnection:VpcPeeringConnection
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "peer" {
  cidr_block = "10.2.0.0/16"
}
resource "aws_vpc_peering_connection" "t" {
  vpc_id      = aws_vpc.v.id
  peer_vpc_id = aws_vpc.peer.id
  tags = { phase = var.phase }
}
