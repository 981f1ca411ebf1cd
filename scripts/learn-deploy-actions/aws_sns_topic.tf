# pulumi: aws:sns/topic:Topic
resource "aws_sns_topic" "t" {
  name_prefix  = "learn-"
  display_name = var.phase
  tags = { phase = var.phase }
}
