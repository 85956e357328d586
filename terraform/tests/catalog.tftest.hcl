# The catalog module turns the real pipeline catalog (../pipeline.yaml) into the Glue jobs, their
# default arguments and the IAM statements of the Airflow and Glue roles. No provider is involved.

variables {
  catalog = yamldecode(file("../pipeline.yaml"))
  provided_arguments = {
    storage_root   = "s3://cdcctl-dev-lake-123456789012"
    catalog        = "glue"
    kafka_brokers  = "kafka.cdc.internal:9092"
    db_secret_name = "db-credentials-cdc_quality"
    region         = "ap-south-1"
    db_ca_file     = "rds-ca.pem"
  }
  lake_bucket_arn = "arn:aws:s3:::cdcctl-dev-lake-123456789012"
  airflow_resources = {
    db_secret       = ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-AbCdEf"]
    db_role_secrets = ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-cdc_replication-AbCdEf", "arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-cdc_quality-AbCdEf"]
    glue_jobs       = ["arn:aws:glue:ap-south-1:123456789012:job/cdcctl-dev-bronze-to-silver"]
    job_logs        = ["arn:aws:logs:ap-south-1:123456789012:log-group:/aws-glue/jobs/cdcctl-dev/output"]
    alerts_topic    = ["arn:aws:sns:ap-south-1:123456789012:cdcctl-dev-alerts"]
    ecs_services    = ["arn:aws:ecs:ap-south-1:123456789012:service/cdcctl-dev/*"]
    key             = ["arn:aws:kms:ap-south-1:123456789012:key/00000000-0000-0000-0000-000000000000"]
  }
  glue_resources = {
    db_quality_secret = ["arn:aws:secretsmanager:ap-south-1:123456789012:secret:db-credentials-cdc_quality-AbCdEf"]
    key               = ["arn:aws:kms:ap-south-1:123456789012:key/00000000-0000-0000-0000-000000000000"]
  }
}

run "every_catalog_job_becomes_a_glue_job_of_its_kind" {
  command = plan
  module {
    source = "./modules/catalog"
  }

  assert {
    condition     = keys(output.glue_jobs) == keys(var.catalog.jobs)
    error_message = "the Glue jobs are not exactly the catalog's jobs"
  }

  assert {
    condition     = alltrue([for name, job in output.glue_jobs : job.kind == var.catalog.jobs[name].kind && job.script == var.catalog.jobs[name].script])
    error_message = "a job's script or kind differs from the catalog"
  }

  assert {
    condition     = jsonencode(output.glue_jobs["data-quality"].python_modules) == jsonencode(["psycopg[binary]==3.3.9"]) && length(output.glue_jobs["silver-to-gold"].python_modules) == 0
    error_message = "python_modules must come from the catalog, [] where it names none"
  }
}

run "job_defaults_are_the_provided_values_and_aws_defaults_only" {
  command = plan
  module {
    source = "./modules/catalog"
  }

  assert {
    condition = alltrue([for job in values(output.glue_jobs) :
      job.default_arguments["--storage-root"] == "s3://cdcctl-dev-lake-123456789012" && job.default_arguments["--catalog"] == "glue"
    ])
    error_message = "every job gets the storage root and the Glue catalog (the catalog's common provided arguments)"
  }

  assert {
    condition     = jsonencode(output.glue_jobs["kafka-to-bronze"].default_arguments) == jsonencode({ "--storage-root" = "s3://cdcctl-dev-lake-123456789012", "--catalog" = "glue", "--bootstrap-servers" = "kafka.cdc.internal:9092", "--trigger" = "continuous", "--max-offsets-per-trigger" = "1000000" })
    error_message = "kafka-to-bronze gets the brokers (provided), --trigger continuous and --max-offsets-per-trigger 1000000 (its aws defaults), nothing else"
  }

  # Filled in per run (job-run-id, rules) or plain defaults the scripts keep (label, starting-offsets, retain-days).
  assert {
    condition = !anytrue([for job in values(output.glue_jobs) :
      anytrue([for arg in ["--job-run-id", "--rules", "--label", "--trigger-interval", "--starting-offsets", "--retain-days", "--tables"] : contains(keys(job.default_arguments), arg)])
    ])
    error_message = "a job default was set that the catalog neither lets Terraform provide nor defaults on aws"
  }

  assert {
    condition     = alltrue([for job in ["data-quality", "bronze-to-silver"] : output.glue_jobs[job].default_arguments["--db-secret-name"] == "db-credentials-cdc_quality" && output.glue_jobs[job].default_arguments["--db-ssl-root-cert"] == "rds-ca.pem" && output.glue_jobs[job].default_arguments["--region"] == "ap-south-1"])
    error_message = "data-quality and bronze-to-silver (needs source_db) get the read-only role's secret, the region and the CA bundle's file name"
  }

  assert {
    condition     = !contains(keys(output.glue_jobs["silver-to-gold"].default_arguments), "--db-secret-name")
    error_message = "a job without needs: [source_db] got the secret's name"
  }
}

run "airflow_gets_what_the_dag_runs_and_nothing_else" {
  command = plan
  module {
    source = "./modules/catalog"
  }

  assert {
    condition     = jsonencode(output.orchestrated_commands) == jsonencode(["kafka topics", "connector list", "connector register", "job run", "dq check", "notify", "job stop"])
    error_message = "the orchestrated commands are every task's command plus notify and cleanup"
  }

  assert {
    condition     = jsonencode(output.airflow_permissions) == jsonencode(["publish-alerts", "read-db-role-secrets", "read-db-secret", "read-dq-results", "read-jobs", "stage-dq-rules", "start-jobs", "stop-jobs"])
    error_message = "the Airflow role's permissions are the union over the orchestrated commands"
  }

  assert {
    condition     = contains(flatten([for st in output.airflow_task_statements : st.actions if jsonencode(st.resources) == jsonencode(var.airflow_resources.db_secret)]), "secretsmanager:GetSecretValue")
    error_message = "Airflow reads the db-credentials secret (connector register)"
  }

  assert {
    condition     = contains(flatten([for st in output.airflow_task_statements : st.actions if jsonencode(st.resources) == jsonencode(var.airflow_resources.db_role_secrets)]), "secretsmanager:GetSecretValue")
    error_message = "Airflow reads the pipeline roles' secrets (connector register makes the roles with their passwords)"
  }

  assert {
    condition     = contains(flatten([for st in output.airflow_task_statements : st.actions if jsonencode(st.resources) == jsonencode(["arn:aws:s3:::cdcctl-dev-lake-123456789012/dq/rules/*"])]), "s3:PutObject")
    error_message = "Airflow stages dq/rules/ (dq check)"
  }

  assert {
    condition = anytrue([for st in output.airflow_task_statements :
      contains(st.actions, "s3:ListBucket") && jsonencode(st.resources) == jsonencode([var.lake_bucket_arn]) && try(st.condition.variable, "") == "s3:prefix" && jsonencode(try(st.condition.values, [])) == jsonencode(["dq/results/", "dq/results/*"])
    ])
    error_message = "ListBucket of dq/results/ is the bucket with an s3:prefix condition"
  }

  assert {
    condition     = length(setintersection(flatten([for st in output.airflow_task_statements : st.actions]), ["ecs:DescribeServices", "logs:FilterLogEvents", "s3:DeleteObject"])) == 0
    error_message = "Airflow got actions of commands the DAG does not run (health, job logs, dlq replay)"
  }

  assert {
    condition     = alltrue([for st in output.airflow_task_statements : length(st.resources) > 0 && !contains(st.resources, "*")])
    error_message = "an Airflow statement has no resource, or a wildcard one"
  }

  assert {
    condition     = length(distinct([for st in output.airflow_task_statements : st.sid])) == length(output.airflow_task_statements)
    error_message = "statement sids must be unique"
  }
}

run "glue_gets_its_jobs_needs" {
  command = plan
  module {
    source = "./modules/catalog"
  }

  assert {
    condition     = jsonencode(output.glue_permissions) == jsonencode(["read-quality-secret"])
    error_message = "the jobs' needs (source_db) add read-quality-secret to the Glue role, nothing else: never the master secret"
  }

  assert {
    condition     = jsonencode([for st in output.glue_job_statements : st.resources]) == jsonencode([var.glue_resources.db_quality_secret, var.glue_resources.key])
    error_message = "the Glue role reads the read-only role's secret and decrypts it with the pipeline key"
  }
}

run "a_kind_the_role_cannot_be_given_resolves_to_nothing" {
  command = plan
  module {
    source = "./modules/catalog"
  }

  variables {
    glue_resources = { key = ["arn:aws:kms:ap-south-1:123456789012:key/00000000-0000-0000-0000-000000000000"] }
  }

  assert {
    condition     = length(output.glue_job_statements[0].resources) == 0
    error_message = "an unresolved kind must leave the statement empty, for the glue module to reject"
  }
}

run "an_orchestrated_command_without_permissions_is_rejected" {
  command = plan
  module {
    source = "./modules/catalog"
  }

  variables {
    catalog = merge(yamldecode(file("../pipeline.yaml")), {
      orchestration = merge(yamldecode(file("../pipeline.yaml")).orchestration, { cleanup = "job purge" })
    })
  }

  expect_failures = [var.catalog]
}
