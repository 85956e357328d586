#!/usr/bin/env bash
# Writes $CDCCTL_HOME/cdcctl.config.json (default /opt/cdcctl) from the Terraform module's CDC_GLUE_JOB_<NAME> variables (the
# Glue job names cdcctl's aws profile starts), then hands over to the Airflow image's entrypoint.
# Connect URL, brokers, storage root and alerts topic reach cdcctl through the DAG (CDC_* -> CDCCTL_*).
set -euo pipefail
export CDCCTL_HOME=${CDCCTL_HOME:-/opt/cdcctl}
node - <<'JS'
const JOBS = ['kafka-to-bronze', 'bronze-to-silver', 'silver-to-gold', 'data-quality']
const names = {}
for (const job of JOBS) {
  const value = process.env[`CDC_GLUE_JOB_${job.toUpperCase().replaceAll('-', '_')}`]
  if (value) names[job] = value
}
const profile = process.env.CDCCTL_PROFILE || process.env.CDC_PROFILE || 'aws'
const config = {defaultProfile: profile, profiles: {[profile]: {target: 'aws', glue: {jobNames: names}}}}
require('node:fs').writeFileSync(`${process.env.CDCCTL_HOME}/cdcctl.config.json`, JSON.stringify(config, null, 2) + '\n')
JS
exec /entrypoint "$@"
