# pulumi: aws:sns/topicSubscription:TopicSubscription
resource "aws_sns_topic" "tp" {
  name_prefix = "learn-"
}
resource "aws_sns_topic_subscription" "t" {
  topic_arn = aws_sns_topic.tp.arn
  protocol  = "email"
  endpoint  = "${var.phase}@example.com"
}
