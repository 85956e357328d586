output "glue_jobs" {
  description = "The catalog's jobs for the glue module: script, kind (batch or streaming), python_modules and default_arguments (--name = value)."
  value       = local.jobs
}

output "orchestrated_commands" {
  description = "The cdcctl commands the DAG runs: every task's, and notify and cleanup."
  value       = local.orchestrated_commands
}

output "airflow_permissions" {
  description = "Names of the catalog permissions of the Airflow task role: the union over the orchestrated commands."
  value       = local.airflow_permissions
}

output "glue_permissions" {
  description = "Names of the catalog permissions the jobs' needs add to the Glue role."
  value       = local.glue_permissions
}

output "airflow_task_statements" {
  description = "IAM statements of the Airflow task role (sid, actions, resources, optional condition)."
  value       = local.statements.airflow
}

output "glue_job_statements" {
  description = "IAM statements the jobs' needs add to the Glue role (sid, actions, resources, optional condition)."
  value       = local.statements.glue
}
