# One customer-managed key for the pipeline's data at rest: the lake bucket, the database and its
# secret, log groups, the alerts topic, EBS, Glue. The services that encrypt on the account's
# behalf (CloudWatch Logs, EventBridge and CloudWatch alarms publishing to SNS) are named here.

data "aws_iam_policy_document" "pipeline_key" {
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself; the account root statement is what lets IAM policies grant use of the key.
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself; the account root statement is what lets IAM policies grant use of the key.
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }

  statement {
    sid       = "AlarmsAndEventsPublishToEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "pipeline" {
  description             = "${local.name} pipeline data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.pipeline_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "pipeline" {
  name          = "alias/${local.name}-pipeline"
  target_key_id = aws_kms_key.pipeline.key_id
}
