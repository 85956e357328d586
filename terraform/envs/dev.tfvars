# Example environment. No secrets here: the database password is generated at apply time and kept
# only in Secrets Manager (db-credentials), never in state.
#   terraform init  -backend-config=envs/dev.backend.hcl
#   terraform apply -var-file=envs/dev.tfvars

region      = "ap-south-1"
environment = "dev"
name_prefix = "cdcctl"

tags = {
  Owner      = "data-platform"
  CostCenter = "cdc-lakehouse"
}

vpc_cidr           = "10.40.0.0/16"
availability_zones = ["ap-south-1a", "ap-south-1b"]

# A VPN or bastion range that may reach Connect (8083) and Airflow (8080).
admin_cidr_blocks = []

db_instance_class = "db.t4g.medium"
# A dev environment is destroyed and re-created: one AZ, no deletion protection, the credentials
# secret deleted at once (so its name is free again), buckets emptied by destroy. The defaults
# (Multi-AZ, deletion protection, 7-day secret recovery, buckets kept) are for prod.
db_multi_az                    = false
db_deletion_protection         = false
db_secret_recovery_window_days = 0
lake_force_destroy             = true

debezium_image    = "quay.io/debezium/connect:3.6.1.Final"
airflow_image_tag = "1.0.0"

kafka_instance_type = "m7i.large"
kafka_version       = "4.3.1"

glue_worker_type       = "G.1X"
glue_number_of_workers = 2

alert_email        = ""
monthly_budget_usd = 300
