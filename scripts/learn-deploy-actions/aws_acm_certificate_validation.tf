# pulumi: aws:acm/certificateValidation:CertificateValidation
resource "aws_acm_certificate" "c" {
  domain_name       = "learn.example.com"
  validation_method = "DNS"
}
resource "aws_acm_certificate_validation" "t" {
  certificate_arn = aws_acm_certificate.c.arn
  timeouts {
    create = "20s"
  }
}
