# pulumi: aws:ebs/volume:Volume
resource "aws_ebs_volume" "t" {
  availability_zone = "us-east-1a"
  size              = var.phase == "create" ? 8 : 9
  encrypted         = true
  tags = { phase = var.phase }
}
