# pulumi: aws:sns/topicPolicy:TopicPolicy
resource "aws_sns_topic" "tp" {
  name_prefix = "learn-"
}
resource "aws_sns_topic_policy" "t" {
  arn    = aws_sns_topic.tp.arn
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = var.phase, Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sns:Publish", Resource = aws_sns_topic.tp.arn }] })
}
