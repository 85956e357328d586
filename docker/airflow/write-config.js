// Writes $CDCCTL_HOME/cdcctl.config.json (default /opt/cdcctl) with the aws profile the DAG runs:
// the Glue job names come from the Terraform airflow module's CDC_GLUE_JOB_<NAME> variables
// (CDC_GLUE_JOB_<JOB>=<glue name> -> glue.jobNames['<job>'], <JOB> the job's name upper-cased with _ for -).
const {writeFileSync} = require('node:fs')
const {join} = require('node:path')

const names = {}
for (const [key, value] of Object.entries(process.env)) {
  const job = /^CDC_GLUE_JOB_([A-Z0-9_]+)$/.exec(key)?.[1]
  if (job && value) names[job.toLowerCase().replaceAll('_', '-')] = value
}
const profile = process.env.CDCCTL_PROFILE || process.env.CDC_PROFILE || 'aws'
const config = {defaultProfile: profile, profiles: {[profile]: {target: 'aws', glue: {jobNames: names}}}}
writeFileSync(join(process.env.CDCCTL_HOME || '/opt/cdcctl', 'cdcctl.config.json'), JSON.stringify(config, null, 2) + '\n')
