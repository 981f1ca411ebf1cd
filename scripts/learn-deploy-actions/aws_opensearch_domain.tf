# pulumi: aws:opensearch/domain:Domain
resource "aws_opensearch_domain" "t" {
  domain_name    = "learn"
  engine_version = "OpenSearch_2.13"
  cluster_config {
    instance_type = "t3.small.search"
  }
  ebs_options {
    ebs_enabled = true
    volume_size = 10
  }
  tags = { phase = var.phase }
  timeouts {
    create = "2m"
    update = "2m"
    delete = "2m"
  }
}
