# pulumi: aws:wafv2/webAclAssociation:WebAclAssociation
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}
resource "aws_subnet" "s2" {
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}
resource "aws_lb" "lb" {
  internal = true
  subnets  = [aws_subnet.s.id, aws_subnet.s2.id]
}
resource "aws_wafv2_web_acl" "w" {
  name  = "learn-acl-association"
  scope = "REGIONAL"
  default_action {
    allow {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = false
    metric_name                = "learn"
    sampled_requests_enabled   = false
  }
}
resource "aws_wafv2_web_acl_association" "t" {
  resource_arn = aws_lb.lb.arn
  web_acl_arn  = aws_wafv2_web_acl.w.arn
}
