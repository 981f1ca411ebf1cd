# pulumi: aws:route53/record:Record
resource "aws_route53_zone" "z" {
  name = "learn.example.com"
}
resource "aws_route53_record" "t" {
  zone_id = aws_route53_zone.z.zone_id
  name    = "www.learn.example.com"
  type    = "TXT"
  ttl     = 300
  records = [var.phase]
}
