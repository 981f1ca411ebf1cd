# pulumi: aws:accessanalyzer/archiveRule:ArchiveRule
# The analyzer is named, not created: moto refuses CreateAnalyzer (the analyzer's own entry).
resource "aws_accessanalyzer_archive_rule" "t" {
  analyzer_name = "learn"
  rule_name     = "learn"
  filter {
    criteria = "principal.AWS"
    eq       = [var.phase == "create" ? "111111111111" : "222222222222"]
  }
}
