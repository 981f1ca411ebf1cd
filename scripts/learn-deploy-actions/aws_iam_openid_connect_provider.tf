# pulumi: aws:iam/openIdConnectProvider:OpenIdConnectProvider
resource "aws_iam_openid_connect_provider" "t" {
  url             = "https://api.example.com/oidc"
  client_id_list  = ["aws:learn"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
  tags = { phase = var.phase }
}
