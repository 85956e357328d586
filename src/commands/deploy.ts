import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {confirm, requireAnswerable} from '../lib/confirm'
import {applyPlan, preparePlan} from '../lib/deploy/flow'
import type {Preflight} from '../lib/deploy/preflight'
import {renderPlan, type StepRecord, Steps} from '../lib/deploy/steps'
import type {UploadResult} from '../lib/deploy/upload'
import type {ServiceState} from '../lib/ecs'
import type {PlanSummary} from '../lib/terraform'
import {startProgress} from '../lib/ui'

export interface DeployResult {
  env: string
  dryRun: boolean
  preflight: Omit<Preflight, 'warnings'>
  plan: PlanSummary
  steps: StepRecord[]
  /** Where the outputs were stored; null on a dry run. */
  outputsFile: string | null
  upload: UploadResult | null
  /** The ECS services once stable; null when not waited for. */
  services: ServiceState[] | null
}

export default class Deploy extends BaseCommand<typeof Deploy, DeployResult> {
  static summary = 'Deploy the AWS environment: Terraform plan and apply, job scripts and DAGs to S3, outputs into the profile.'
  static description = `preflight (Terraform >= 1.11, AWS identity, region) → terraform init → plan into a saved plan file → confirm → apply that plan file → store the outputs in {stateDir}/outputs/<profile>.json → upload glue-jobs/*.py, cdc_lake.zip and airflow/dags/*.py (only what changed) → wait until the ECS services (Debezium, Airflow) are stable.
Terraform's output goes to {stateDir}/terraform/<profile>/<env>/logs/; --verbose streams it to stderr.`
  static examples = [
    '<%= config.bin %> deploy --profile aws',
    '<%= config.bin %> deploy --profile aws --dry-run',
    '<%= config.bin %> deploy --profile aws --env dev --auto-approve --json',
  ]

  static flags = {
    env: Flags.string({description: 'Environment: terraform/envs/<env>.tfvars and envs/<env>.backend.hcl. Default: the profile\'s deploy.env (dev).'}),
    'auto-approve': Flags.boolean({description: 'Apply without asking; required off a terminal.', aliases: ['yes'], default: false}),
    'dry-run': Flags.boolean({description: 'Preflight, init and plan only; change nothing.', default: false}),
    'skip-upload': Flags.boolean({description: 'Do not upload job scripts and DAGs.', default: false}),
    'wait-services': Flags.boolean({description: 'Wait until the ECS services (Debezium, Airflow) run their desired tasks in a single deployment; --no-wait-services skips it.', allowNo: true, default: true}),
    'services-timeout': Flags.integer({description: 'Seconds to wait for the ECS services to be stable before failing.', default: 900, min: 1}),
  }

  async run(): Promise<DeployResult> {
    const target = this.target()
    const environment = target.deployment({env: this.flags.env, stream: this.flags.verbose, command: 'deploy'})
    const approval = {action: `Apply this plan to "${environment.env}"`, yes: this.flags['auto-approve'], flag: '--auto-approve', noPrompt: this.jsonEnabled()}
    // Off a terminal nobody can answer: refuse before minutes of planning.
    if (!this.flags['dry-run']) requireAnswerable(approval)
    const steps = new Steps((text) => startProgress(text, !this.jsonEnabled() && !this.flags.verbose))
    const {preflight, plan} = await preparePlan(target.profile, environment, steps)
    for (const w of preflight.warnings) this.warn(w)
    const {warnings: _warnings, ...identity} = preflight
    const result: DeployResult = {env: environment.env, dryRun: this.flags['dry-run'], preflight: identity, plan, steps: steps.records, outputsFile: null, upload: null, services: null}
    this.say(renderPlan(plan))
    if (this.flags['dry-run']) {
      for (const step of ['apply', 'outputs', 'upload', 'services']) steps.skip(step, 'dry run')
      return result
    }
    await confirm({...approval, action: `${approval.action} in account ${preflight.account}`})
    const applied = await applyPlan(target.profile, environment, steps, {upload: !this.flags['skip-upload'], waitServices: this.flags['wait-services'], servicesTimeoutSec: this.flags['services-timeout']})
    const services = applied.services ? `; ECS services stable: ${applied.services.map((s) => `${s.service} ${s.running}/${s.desired}`).join(', ')}` : ''
    this.say(`Deployed ${environment.env}${applied.upload ? `; ${applied.upload.uploaded.length} object(s) uploaded, ${applied.upload.unchanged.length} unchanged` : ''}${services}. Outputs: ${applied.outputsFile}`)
    return {...result, ...applied}
  }
}
