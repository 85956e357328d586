#!/usr/bin/env bash
# Writes cdcctl's config for the aws profile (write-config.js: the Glue job names of the Terraform
# module's CDC_GLUE_JOB_<NAME> variables), then hands over to the Airflow image's entrypoint.
# Connect URL, brokers, storage root and alerts topic reach cdcctl through the DAG (CDC_* -> CDCCTL_*).
set -euo pipefail
node /opt/cdcctl/write-config.js
exec /entrypoint "$@"
