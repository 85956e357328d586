# Shared by the *.tftest.hcl files (mock_provider "aws" { source = "./tests" }): values the
# modules' validations expect to look like AWS identifiers, where the mock would make up a string.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
  }
}

mock_data "aws_region" {
  defaults = {
    id   = "ap-south-1"
    name = "ap-south-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_data "aws_ssm_parameter" {
  defaults = {
    value = "ami-0123456789abcdef0"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:ap-south-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::cdcctl-dev-lake-123456789012"
  }
}

mock_resource "aws_subnet" {
  defaults = {
    id  = "subnet-0123456789abcdef0"
    arn = "arn:aws:ec2:ap-south-1:123456789012:subnet/subnet-0123456789abcdef0"
  }
}

mock_resource "aws_security_group" {
  defaults = {
    id = "sg-0123456789abcdef0"
  }
}

mock_resource "aws_instance" {
  defaults = {
    id  = "i-0123456789abcdef0"
    arn = "arn:aws:ec2:ap-south-1:123456789012:instance/i-0123456789abcdef0"
  }
}

mock_resource "aws_ebs_volume" {
  defaults = {
    id = "vol-0123456789abcdef0"
  }
}

mock_resource "aws_ecs_cluster" {
  defaults = {
    arn = "arn:aws:ecs:ap-south-1:123456789012:cluster/cdcctl-dev"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:ap-south-1:123456789012:log-group:/mock"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:ap-south-1:123456789012:cdcctl-dev-alerts"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-AbCdEf"
  }
}

mock_resource "aws_service_discovery_service" {
  defaults = {
    arn = "arn:aws:servicediscovery:ap-south-1:123456789012:service/srv-0123456789abcdef"
  }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    arn            = "arn:aws:ecr:ap-south-1:123456789012:repository/cdcctl-dev/airflow"
    repository_url = "123456789012.dkr.ecr.ap-south-1.amazonaws.com/cdcctl-dev/airflow"
  }
}

mock_resource "aws_glue_job" {
  defaults = {
    arn = "arn:aws:glue:ap-south-1:123456789012:job/mock"
  }
}

mock_resource "aws_db_instance" {
  defaults = {
    address    = "cdcctl-dev-source.abcdefghijkl.ap-south-1.rds.amazonaws.com"
    port       = 5432
    identifier = "cdcctl-dev-source"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock"
  }
}

mock_resource "aws_glue_connection" {
  defaults = {
    arn = "arn:aws:glue:ap-south-1:123456789012:connection/mock"
  }
}

mock_resource "aws_glue_catalog_database" {
  defaults = {
    arn = "arn:aws:glue:ap-south-1:123456789012:database/cdc"
  }
}

mock_resource "aws_iam_instance_profile" {
  defaults = {
    arn = "arn:aws:iam::123456789012:instance-profile/mock"
  }
}

mock_resource "aws_ecs_task_definition" {
  defaults = {
    arn = "arn:aws:ecs:ap-south-1:123456789012:task-definition/mock:1"
  }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = {
    arn = "arn:aws:events:ap-south-1:123456789012:rule/mock"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:ap-south-1:123456789012:alarm:mock"
  }
}
