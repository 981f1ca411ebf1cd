# pulumi: aws:ec2/amiLaunchPermission:AmiLaunchPermission
data "aws_ami" "a" {
  most_recent = true
  owners      = ["amazon"]
}
resource "aws_ami_launch_permission" "t" {
  image_id   = data.aws_ami.a.id
  account_id = "210987654321"
}
