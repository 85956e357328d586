# The pipeline catalog turned into typed values for the modules that run it: the Glue jobs with their
# default arguments, and the IAM statements of the Airflow task role and of the Glue role. No
# resources, no provider: the caller reads the file and resolves resource kinds to ARNs.

locals {
  # ---- jobs ----

  # Each job's defaults on Glue: the common arguments and its own, where the catalog gives a value the
  # caller knows (`provided`) or an aws default. Nothing else: the scripts keep their own defaults.
  jobs = {
    for name, job in var.catalog.jobs : name => {
      script         = job.script
      kind           = job.kind
      python_modules = try(job.python_modules, [])
      default_arguments = {
        for arg, spec in merge(var.catalog.job_arguments, job.arguments) :
        "--${arg}" => contains(keys(var.provided_arguments), try(spec.provided, "")) ? var.provided_arguments[spec.provided] : try(spec.aws, null)
        if contains(keys(var.provided_arguments), try(spec.provided, "")) || try(spec.aws, null) != null
      }
    }
  }

  # ---- which permissions each role gets ----

  # What the DAG runs: every task's command, and the notify and cleanup commands around the tasks.
  orchestrated_commands = distinct(concat(
    [for task in var.catalog.orchestration.tasks : task.command],
    [var.catalog.orchestration.notify, var.catalog.orchestration.cleanup],
  ))
  airflow_permissions = sort(distinct(flatten([for c in local.orchestrated_commands : var.catalog.aws.commands[c]])))
  glue_permissions    = sort(distinct(flatten([for job in values(var.catalog.jobs) : [for need in try(job.needs, []) : var.catalog.aws.needs[need]]])))

  # ---- permissions -> IAM statements ----

  # Every statement of every permission, its resource split into kind and prefix (lake:dq/rules/*).
  statements_of = {
    for name, statements in var.catalog.aws.permissions : name => [
      for i, st in statements : {
        sid     = replace(title(replace("${name} ${i}", "-", " ")), " ", "")
        actions = st.actions
        kind    = split(":", st.resource)[0]
        prefix  = join(":", slice(split(":", st.resource), 1, length(split(":", st.resource))))
      }
    ]
  }

  # lake:<prefix> is the objects under the prefix; lake_list:<prefix> is the bucket, listed under the
  # prefix only; every other kind is what the caller resolved (none when it could not).
  role_resources = {
    airflow = merge(var.airflow_resources, { lake_list = [var.lake_bucket_arn] })
    glue    = merge(var.glue_resources, { lake_list = [var.lake_bucket_arn] })
  }
  role_permissions = {
    airflow = local.airflow_permissions
    glue    = local.glue_permissions
  }
  statements = {
    for role, names in local.role_permissions : role => [
      for st in flatten([for name in names : local.statements_of[name]]) : {
        sid       = st.sid
        actions   = st.actions
        resources = st.kind == "lake" ? ["${var.lake_bucket_arn}/${st.prefix}"] : lookup(local.role_resources[role], st.kind, [])
        condition = st.kind == "lake_list" ? { test = "StringLike", variable = "s3:prefix", values = [st.prefix, "${st.prefix}*"] } : null
      }
    ]
  }
}
