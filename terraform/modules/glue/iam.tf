# The jobs' role: the lake's prefixes (scripts read-only), the cdc database, their logs and
# metrics, the VPC connection, and what the jobs' needs add (var.job_policy_statements: the source
# database's secret for data-quality). Nothing else in the account.

data "aws_iam_policy_document" "glue_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "glue" {
  name               = "${var.name}-glue-jobs"
  assume_role_policy = data.aws_iam_policy_document.glue_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "glue" {
  dynamic "statement" {
    for_each = var.job_policy_statements
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.condition == null ? [] : [statement.value.condition]
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  statement {
    sid       = "ListLakePrefixes"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = flatten([for p in concat(local.rw_prefixes, ["scripts"]) : ["${p}/", "${p}/*"]])
    }
  }

  statement {
    sid       = "BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "ReadScripts"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/scripts/*"]
  }

  statement {
    sid       = "ReadWriteLakeData"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [for p in local.rw_prefixes : "${var.bucket_arn}/${p}/*"]
  }

  statement {
    sid       = "LakeKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid = "CatalogCdcDatabase"
    actions = [
      "glue:GetDatabase", "glue:GetDatabases",
      "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable",
      "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
      "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:DeletePartition",
    ]
    resources = [
      "arn:${local.partition}:glue:${local.region}:${local.account}:catalog",
      aws_glue_catalog_database.cdc.arn,
      "arn:${local.partition}:glue:${local.region}:${local.account}:table/${aws_glue_catalog_database.cdc.name}/*",
    ]
  }

  # Spark looks up the default database when the session starts.
  statement {
    sid       = "CatalogDefaultDatabaseRead"
    actions   = ["glue:GetDatabase"]
    resources = ["arn:${local.partition}:glue:${local.region}:${local.account}:database/default"]
  }

  statement {
    sid       = "VpcConnection"
    actions   = ["glue:GetConnection"]
    resources = [aws_glue_connection.vpc.arn, "arn:${local.partition}:glue:${local.region}:${local.account}:catalog"]
  }

  statement {
    sid = "JobLogs"
    actions = [
      "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws-glue/*",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws-glue/*:*",
    ]
  }

  statement {
    sid       = "JobMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Glue"]
    }
  }

  # Describe calls have no resource-level permissions.
  statement {
    sid = "VpcDescribe"
    actions = [
      "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute",
      "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:DescribeNetworkInterfaces",
    ]
    resources = ["*"]
  }

  statement {
    sid     = "VpcEnis"
    actions = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"]
    resources = [
      "arn:${local.partition}:ec2:${local.region}:${local.account}:network-interface/*",
      "arn:${local.partition}:ec2:${local.region}:${local.account}:subnet/${var.subnet_id}",
      "arn:${local.partition}:ec2:${local.region}:${local.account}:security-group/${var.security_group_id}",
    ]
  }

  statement {
    sid       = "VpcEniTags"
    actions   = ["ec2:CreateTags", "ec2:DeleteTags"]
    resources = ["arn:${local.partition}:ec2:${local.region}:${local.account}:network-interface/*"]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["aws-glue-service-resource"]
    }
  }
}

resource "aws_iam_role_policy" "glue" {
  name   = "cdc-lake-jobs"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue.json
}
