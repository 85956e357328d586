output "database_name" {
  description = "Glue Data Catalog database of the Iceberg tables."
  value       = aws_glue_catalog_database.cdc.name
}

output "job_names" {
  description = "Glue job names keyed by the pipeline's job name (the keys of var.jobs)."
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

output "log_group_arns" {
  description = "ARNs of the jobs' log groups ({prefix}/output and {prefix}/error)."
  value       = [for g in aws_cloudwatch_log_group.jobs : g.arn]
}
