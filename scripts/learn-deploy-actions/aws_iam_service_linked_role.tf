# pulumi: aws:iam/serviceLinkedRole:ServiceLinkedRole
resource "aws_iam_service_linked_role" "t" {
  aws_service_name = "opensearchservice.amazonaws.com"
  tags = { phase = var.phase }
}
