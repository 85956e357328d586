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
  description = "CloudWatch alarm names (ECS services, Kafka status check, billing)."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.ecs_no_running_task : a.alarm_name],
    [aws_cloudwatch_metric_alarm.kafka_status_check.alarm_name, aws_cloudwatch_metric_alarm.billing.alarm_name],
  )
}
