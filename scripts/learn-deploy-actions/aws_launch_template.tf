# pulumi: aws:ec2/launchTemplate:LaunchTemplate
data "aws_ami" "a" {
  most_recent = true
  owners      = ["amazon"]
}
resource "aws_launch_template" "t" {
  image_id      = data.aws_ami.a.id
  instance_type = var.phase == "create" ? "t3.micro" : "t3.small"
  tags = { phase = var.phase }
}
