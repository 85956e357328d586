# Test-only (see ../../moto_override.tf). Each line names the emulator gap it covers.

# moto has no request context, so it applies every conditional Deny of a bucket policy as if its
# condition held: the TLS-only Deny (aws:SecureTransport false, s3:TlsVersion < 1.2) would refuse
# every object request, the module's own prefix markers and the IAM test's calls included. On the
# emulator the policy is one harmless Allow instead; its statements are checked by checkov and the
# terraform tests, and only a real account can show them at work.
data "aws_iam_policy_document" "lake" {
  statement {
    sid       = "EmulatorOnlyBucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.lake.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_s3_bucket_notification" "lake" {
  lifecycle {
    ignore_changes = [
      eventbridge, # moto's GetBucketNotificationConfiguration leaves out EventBridgeConfiguration
    ]
  }
}

resource "aws_s3_bucket_notification" "access_logs" {
  lifecycle {
    ignore_changes = [
      eventbridge, # as above
    ]
  }
}
