# Read by cdcctl after `deploy` (terraform output -json). None of them is a secret value.

output "region" {
  description = "AWS region of the pipeline."
  value       = var.region
}

output "data_lake_bucket" {
  description = "Name of the data-lake bucket (storage root s3://<bucket>/)."
  value       = module.s3.bucket_name
}

output "glue_database" {
  description = "Glue Data Catalog database of the Iceberg tables."
  value       = module.glue.database_name
}

output "glue_job_names" {
  description = "Glue job names keyed by the pipeline's job name (kafka-to-bronze, bronze-to-silver, silver-to-gold, data-quality, lake-maintenance)."
  value       = module.glue.job_names
}

output "glue_log_group_prefix" {
  description = "Prefix of the Glue jobs' CloudWatch log groups ({prefix}/output and {prefix}/error), read by `cdcctl job logs`."
  value       = module.glue.log_group_prefix
}

output "connect_url" {
  description = "Kafka Connect REST URL inside the VPC (Cloud Map DNS)."
  value       = module.ecs.connect_url
}

output "kafka_bootstrap_servers" {
  description = "Kafka bootstrap servers inside the VPC."
  value       = module.kafka.bootstrap_servers
}

output "kafka_data_volume_id" {
  description = "EBS volume holding Kafka's log directories; it keeps its id when the broker is replaced."
  value       = module.kafka.data_volume_id
}

output "db_secret_name" {
  description = "Name of the Secrets Manager secret holding the database credentials (the secret's value is never an output)."
  value       = module.rds.secret_name
}

output "db_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the database credentials."
  value       = module.rds.secret_arn
}

output "db_role_secret_names" {
  description = "Secrets of the pipeline's least-privilege database roles, by role (pipeline.yaml source.roles); cdcctl makes the roles with these passwords."
  value       = module.rds.role_secret_names
}

output "alerts_topic_arn" {
  description = "SNS topic of pipeline alerts."
  value       = module.monitoring.alerts_topic_arn
}

output "alerts_subscribed" {
  description = "Whether alert_email receives the alerts; false means alarms and failed jobs notify nobody until someone subscribes to alerts_topic_arn."
  value       = module.monitoring.alerts_subscribed
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline's signals (replication slot lag and WAL, bronze lag, connector tasks, job run times and failures, DLQ, DQ)."
  value       = module.monitoring.dashboard_name
}

output "ecs_cluster_name" {
  description = "ECS cluster running Debezium Connect and Airflow."
  value       = module.ecs.cluster_name
}

output "ecs_service_names" {
  description = "ECS service names keyed by role (debezium, airflow)."
  value = {
    debezium = module.ecs.service_name
    airflow  = module.airflow.service_name
  }
}

output "airflow_ecr_repository_url" {
  description = "ECR repository to which deploy pushes the Airflow image (docker/airflow/Dockerfile)."
  value       = module.airflow.ecr_repository_url
}
