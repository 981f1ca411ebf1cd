# pulumi: aws:ec2/volumeAttachment:VolumeAttachment
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
data "aws_ami" "a" {
  most_recent = true
  owners      = ["amazon"]
}
resource "aws_instance" "i" {
  ami               = data.aws_ami.a.id
  instance_type     = "t3.micro"
  subnet_id         = aws_subnet.s.id
}
resource "aws_ebs_volume" "vol" {
  availability_zone = "us-east-1a"
  size              = 8
}
resource "aws_volume_attachment" "t" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.vol.id
  instance_id = aws_instance.i.id
}
