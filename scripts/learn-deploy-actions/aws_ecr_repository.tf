# pulumi: aws:ecr/repository:Repository
resource "aws_ecr_repository" "t" {
  name                 = "learn"
  image_tag_mutability = var.phase == "create" ? "IMMUTABLE" : "MUTABLE"
  tags = { phase = var.phase }
}
