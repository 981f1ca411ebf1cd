# pulumi: aws:guardduty/detectorFeature:DetectorFeature
resource "aws_guardduty_detector" "d" {
  enable = true
}
resource "aws_guardduty_detector_feature" "t" {
  detector_id = aws_guardduty_detector.d.id
  name        = "S3_DATA_EVENTS"
  status      = var.phase == "create" ? "ENABLED" : "DISABLED"
}
