output "alerts_topic_arn" {
  description = "SNS topic of pipeline alerts (Glue failures, ECS and Kafka alarms, Airflow notifications)."
  value       = aws_sns_topic.alerts.arn
}

output "billing_topic_arn" {
  description = "SNS topic of the billing alarm (us-east-1)."
  value       = aws_sns_topic.billing.arn
}

output "glue_failure_rule_name" {
  description = "EventBridge rule forwarding failed Glue job runs to the alerts topic."
  value       = aws_cloudwatch_event_rule.glue_job_failed.name
}

output "alarm_names" {
  description = "CloudWatch alarm names (ECS services, Kafka status check, replication slot lag, WAL disk use, bronze lag, billing)."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.ecs_no_running_task : a.alarm_name],
    [for a in [
      aws_cloudwatch_metric_alarm.kafka_status_check,
      aws_cloudwatch_metric_alarm.replication_slot_lag,
      aws_cloudwatch_metric_alarm.wal_disk_usage,
      aws_cloudwatch_metric_alarm.bronze_lag_near_retention,
      aws_cloudwatch_metric_alarm.billing,
    ] : a.alarm_name],
  )
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline (slot lag and WAL, bronze lag, connector tasks, job run times and failures, DLQ, DQ)."
  value       = aws_cloudwatch_dashboard.pipeline.dashboard_name
}

output "pipeline_metrics" {
  description = "The pipeline's own CloudWatch metrics the alarms and dashboard read: namespace, dimension and metric names, for the code that publishes them."
  value = {
    namespace  = var.pipeline_metrics_namespace
    dimensions = local.pipeline_dimension
    metrics    = local.pipeline_metrics
  }
}

output "alerts_subscribed" {
  description = "Whether an email address receives the alerts (false: alarms and failed jobs notify nobody until someone subscribes to the topic)."
  value       = var.alert_email != ""
}
