# pulumi: aws:acm/certificate:Certificate
resource "aws_acm_certificate" "t" {
  domain_name       = "learn.example.com"
  validation_method = "DNS"
  tags = { phase = var.phase }
}
