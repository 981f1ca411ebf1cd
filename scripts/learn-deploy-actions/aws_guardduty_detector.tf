# pulumi: aws:guardduty/detector:Detector
resource "aws_guardduty_detector" "t" {
  enable                       = true
  finding_publishing_frequency = var.phase == "create" ? "SIX_HOURS" : "ONE_HOUR"
  tags = { phase = var.phase }
}
