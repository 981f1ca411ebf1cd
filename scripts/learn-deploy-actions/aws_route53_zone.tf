# pulumi: aws:route53/zone:Zone
resource "aws_route53_zone" "t" {
  name    = "learn.example.com"
  comment = var.phase
  tags = { phase = var.phase }
}
