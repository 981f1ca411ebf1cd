# pulumi: aws:lb/targetGroup:TargetGroup
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_lb_target_group" "t" {
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.v.id
  deregistration_delay = var.phase == "create" ? 30 : 60
  tags = { phase = var.phase }
}
