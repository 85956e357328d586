# The operator's signals: the replication slot and the WAL it pins (a stuck slot fills the
# database's disk), bronze's lag against Kafka's retention (records bronze has not read are deleted
# when retention passes), and one dashboard with the pipeline's health at a glance.
#
# AWS publishes the RDS, Glue, EventBridge and ECS metrics. The pipeline's own metrics (namespace
# var.pipeline_metrics_namespace, dimension Pipeline = var.name) are a contract with the code that
# measures them: see local.pipeline_metrics and the README.

locals {
  region = data.aws_region.current.id

  pipeline_dimension = { Pipeline = var.name }
  pipeline_metrics = {
    bronze_lag_seconds    = "BronzeLagSeconds" # age of the oldest record kafka_to_bronze has not read yet
    connector_tasks_total = "ConnectorTasks"   # tasks of the Debezium connector
    connector_tasks_ok    = "ConnectorTasksRunning"
    dlq_records           = "DlqRecords"    # dead-letter records written
    dq_failed_rules       = "DqFailedRules" # fail-severity rules that failed in a dq check
  }

  bronze_lag_threshold_seconds = floor(var.kafka_retention_hours * 3600 * var.bronze_lag_alarm_fraction)

  glue_job_name_list = sort(var.glue_job_names)
}

data "aws_region" "current" {}

# ---- the replication slot and its WAL ----

resource "aws_cloudwatch_metric_alarm" "replication_slot_lag" {
  alarm_name          = "${var.name}-replication-slot-lag"
  alarm_description   = "The oldest replication slot of ${var.db_instance_identifier} holds more than ${var.replication_slot_lag_alarm_bytes} bytes of WAL: Debezium is stopped or behind, and the database's disk fills until it is read or the slot dropped (cdcctl connector status, cdcctl health)."
  namespace           = "AWS/RDS"
  metric_name         = "OldestReplicationSlotLag"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.replication_slot_lag_alarm_bytes
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "wal_disk_usage" {
  alarm_name          = "${var.name}-wal-disk-usage"
  alarm_description   = "Transaction logs (WAL) of ${var.db_instance_identifier} use more than ${var.wal_disk_usage_alarm_bytes} bytes of disk: usually a replication slot nobody reads."
  namespace           = "AWS/RDS"
  metric_name         = "TransactionLogsDiskUsage"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.wal_disk_usage_alarm_bytes
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

# ---- bronze against Kafka's retention ----

resource "aws_cloudwatch_metric_alarm" "bronze_lag_near_retention" {
  alarm_name          = "${var.name}-bronze-lag-near-retention"
  alarm_description   = "kafka_to_bronze is more than ${local.bronze_lag_threshold_seconds}s behind, ${var.bronze_lag_alarm_fraction * 100}% of Kafka's ${var.kafka_retention_hours}h retention: records it has not read will be deleted unless it catches up (cdcctl status)."
  namespace           = var.pipeline_metrics_namespace
  metric_name         = local.pipeline_metrics.bronze_lag_seconds
  dimensions          = local.pipeline_dimension
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = local.bronze_lag_threshold_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  tags                = var.tags
}

# ---- the dashboard ----

resource "aws_cloudwatch_dashboard" "pipeline" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Replication slot lag and WAL disk use (bytes)"
          region = local.region
          view   = "timeSeries"
          stat   = "Maximum"
          period = 300
          metrics = [
            ["AWS/RDS", "OldestReplicationSlotLag", "DBInstanceIdentifier", var.db_instance_identifier],
            ["AWS/RDS", "TransactionLogsDiskUsage", "DBInstanceIdentifier", var.db_instance_identifier],
            ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", var.db_instance_identifier],
          ]
          annotations = {
            horizontal = [
              { label = "slot lag alarm", value = var.replication_slot_lag_alarm_bytes },
              { label = "WAL alarm", value = var.wal_disk_usage_alarm_bytes },
            ]
          }
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "Bronze lag behind Kafka (seconds)"
          region = local.region
          view   = "timeSeries"
          stat   = "Maximum"
          period = 300
          metrics = [
            [var.pipeline_metrics_namespace, local.pipeline_metrics.bronze_lag_seconds, "Pipeline", var.name],
          ]
          annotations = {
            horizontal = [
              { label = "alarm", value = local.bronze_lag_threshold_seconds },
              { label = "Kafka retention", value = var.kafka_retention_hours * 3600 },
            ]
          }
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title  = "Debezium: connector tasks running of all, Connect ECS tasks"
          region = local.region
          view   = "timeSeries"
          stat   = "Minimum"
          period = 60
          metrics = [
            [var.pipeline_metrics_namespace, local.pipeline_metrics.connector_tasks_ok, "Pipeline", var.name],
            [var.pipeline_metrics_namespace, local.pipeline_metrics.connector_tasks_total, "Pipeline", var.name],
            ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.ecs_cluster_name, "ServiceName", var.ecs_service_names["debezium"]],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Glue job run time (ms, per run)"
          region  = local.region
          view    = "timeSeries"
          stat    = "Maximum"
          period  = 3600
          metrics = [for job in local.glue_job_name_list : ["Glue", "glue.driver.aggregate.elapsedTime", "JobName", job, "JobRunId", "ALL", "Type", "count"]]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 8, height = 6
        properties = {
          title   = "Failed Glue job runs"
          region  = local.region
          view    = "timeSeries"
          stat    = "Sum"
          period  = 3600
          metrics = [["AWS/Events", "TriggeredRules", "RuleName", aws_cloudwatch_event_rule.glue_job_failed.name]]
        }
      },
      {
        type = "metric", x = 8, y = 12, width = 8, height = 6
        properties = {
          title   = "Dead-letter records written"
          region  = local.region
          view    = "timeSeries"
          stat    = "Sum"
          period  = 3600
          metrics = [[var.pipeline_metrics_namespace, local.pipeline_metrics.dlq_records, "Pipeline", var.name]]
        }
      },
      {
        type = "metric", x = 16, y = 12, width = 8, height = 6
        properties = {
          title   = "Failed data-quality rules"
          region  = local.region
          view    = "timeSeries"
          stat    = "Sum"
          period  = 3600
          metrics = [[var.pipeline_metrics_namespace, local.pipeline_metrics.dq_failed_rules, "Pipeline", var.name]]
        }
      },
    ]
  })
}
