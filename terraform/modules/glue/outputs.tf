output "database_name" {
  description = "Glue Data Catalog database of the Iceberg tables."
  value       = aws_glue_catalog_database.cdc.name
}

output "job_names" {
  description = "Glue job names keyed by the pipeline's job name (kafka-to-bronze, bronze-to-silver, silver-to-gold, data-quality, lake-maintenance)."
  value       = { for k, j in aws_glue_job.this : k => j.name }
}

output "job_arns" {
  description = "ARNs of the Glue jobs."
  value       = [for j in aws_glue_job.this : j.arn]
}

output "role_arn" {
  description = "IAM role of the Glue jobs."
  value       = aws_iam_role.glue.arn
}

output "connection_name" {
  description = "Glue NETWORK connection of the jobs."
  value       = aws_glue_connection.vpc.name
}

output "log_group_prefix" {
  description = "Prefix of the jobs' CloudWatch log groups ({prefix}/output and {prefix}/error)."
  value       = local.log_group_prefix
}
