# pulumi: aws:accessanalyzer/analyzer:Analyzer
resource "aws_accessanalyzer_analyzer" "t" {
  analyzer_name = "learn"
  tags = { phase = var.phase }
}
