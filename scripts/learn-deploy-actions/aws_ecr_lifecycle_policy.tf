# pulumi: aws:ecr/lifecyclePolicy:LifecyclePolicy
resource "aws_ecr_repository" "r" {
  name = "learn-lifecycle"
}
resource "aws_ecr_lifecycle_policy" "t" {
  repository = aws_ecr_repository.r.name
  policy     = jsonencode({ rules = [{ rulePriority = 1, description = var.phase, selection = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }, action = { type = "expire" } }] })
}
