# pulumi: aws:wafv2/ipSet:IpSet
resource "aws_wafv2_ip_set" "t" {
  name               = "learn-ip-set"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = var.phase == "create" ? ["192.0.2.0/24"] : ["192.0.2.0/24", "198.51.100.0/24"]
  tags               = { phase = var.phase }
}
