# pulumi: aws:autoscaling/schedule:Schedule
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
resource "aws_launch_template" "lt" {
  image_id      = data.aws_ami.a.id
  instance_type = "t3.micro"
}
resource "aws_autoscaling_group" "g" {
  min_size            = 0
  max_size            = 1
  vpc_zone_identifier = [aws_subnet.s.id]
  launch_template {
    id      = aws_launch_template.lt.id
    version = "$Latest"
  }
}
resource "aws_autoscaling_schedule" "t" {
  scheduled_action_name  = "learn"
  autoscaling_group_name = aws_autoscaling_group.g.name
  recurrence             = var.phase == "create" ? "0 8 * * *" : "0 9 * * *"
  min_size               = 0
  max_size               = 1
  desired_capacity       = 0
}
