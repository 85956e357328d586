import {rmSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {resolveEnvironment} from '../lib/deploy/environment'
import {preparePlan, waitForServices} from '../lib/deploy/flow'
import {storeOutputs} from '../lib/deploy/outputs'
import type {Preflight} from '../lib/deploy/preflight'
import {ask, renderPlan, requireNonInteractiveApproval, type StepRecord, Steps} from '../lib/deploy/steps'
import {collectArtifacts, type UploadResult, uploadArtifacts} from '../lib/deploy/upload'
import type {ServiceState} from '../lib/ecs'
import {CdcError, EXIT} from '../lib/errors'
import {openStore} from '../lib/storage'
import type {PlanSummary} from '../lib/terraform'
import {startProgress} from '../lib/ui'

export interface DeployResult {
  env: string
  dryRun: boolean
  preflight: Omit<Preflight, 'warnings'>
  plan: PlanSummary
  steps: StepRecord[]
  upload: UploadResult | null
  /** The ECS services once stable; null when not waited for. */
  services: ServiceState[] | null
  outputsFile: string | null
}

export default class Deploy extends BaseCommand<typeof Deploy> {
  static summary = 'Deploy the AWS environment: Terraform plan and apply, job scripts and DAGs to S3, outputs into the profile.'
  static description = `preflight (Terraform >= 1.6, AWS identity, region) → terraform init → plan into a saved plan file → confirm → apply that plan file → store the outputs in {stateDir}/outputs/<profile>.json → upload glue-jobs/*.py, cdc_lake.zip and airflow/dags/*.py (only what changed) → wait until the ECS services (Debezium, Airflow) are stable.
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
    const profile = this.target().profile
    const dryRun = this.flags['dry-run']
    const environment = resolveEnvironment(profile, {env: this.flags.env, stream: this.flags.verbose, command: 'deploy'})
    if (!dryRun && !this.flags['auto-approve']) requireNonInteractiveApproval('--auto-approve', 'deploy')
    const steps = new Steps((text) => startProgress(text, !this.jsonEnabled() && !this.flags.verbose))
    const {preflight, plan} = await preparePlan(profile, environment, steps)
    for (const w of preflight.warnings) this.warn(w)
    const identity = {terraformVersion: preflight.terraformVersion, account: preflight.account, arn: preflight.arn, region: preflight.region}
    const result: DeployResult = {env: environment.env, dryRun, preflight: identity, plan, steps: steps.records, upload: null, services: null, outputsFile: null}
    this.say(renderPlan(plan))
    if (dryRun) {
      for (const step of ['apply', 'outputs', 'upload', 'services']) steps.skip(step, 'dry run')
      return result
    }

    if (!this.flags['auto-approve']) {
      const answer = await ask(`Apply this plan to "${environment.env}" in account ${preflight.account}? Type yes to apply: `)
      if (answer !== 'yes') throw new CdcError('Deploy cancelled; nothing was applied', {code: 'CANCELLED', exit: EXIT.usage, actions: ['answer yes, or pass --auto-approve']})
    }
    await steps.run('apply', `terraform apply (${environment.env})`, () => environment.terraform.apply(environment.planFile))
    rmSync(environment.planFile, {force: true})
    const stored = await steps.run('outputs', 'storing Terraform outputs in the profile', async () => storeOutputs(profile, await environment.terraform.output()), (s) => s.profileFile)
    result.outputsFile = stored.profileFile

    if (this.flags['skip-upload']) {
      steps.skip('upload', '--skip-upload')
    } else {
      const root = stored.profile.storage?.root ?? profile.storage.root
      if (!root) throw new CdcError('Terraform gave no data_lake_bucket output to upload the job scripts to', {code: 'NO_STORAGE_ROOT', actions: ['check terraform/outputs.tf', 'set storage.root in the profile']})
      const store = openStore(root, stored.profile.region ?? profile.region)
      result.upload = await steps.run('upload', `uploading job scripts and DAGs to ${root}`, () => uploadArtifacts(store, collectArtifacts()), (u) => `${u.uploaded.length} uploaded, ${u.unchanged.length} unchanged`)
    }

    // Last, so a slow or failing service never holds back the scripts and DAGs it may need.
    if (this.flags['wait-services']) {
      result.services = await waitForServices(stored.profile.region ?? profile.region, stored.outputs, steps, this.flags['services-timeout'])
    } else {
      steps.skip('services', '--no-wait-services')
    }
    const services = result.services ? `; ECS services stable: ${result.services.map((s) => `${s.service} ${s.running}/${s.desired}`).join(', ')}` : ''
    this.say(`Deployed ${environment.env}${result.upload ? `; ${result.upload.uploaded.length} object(s) uploaded, ${result.upload.unchanged.length} unchanged` : ''}${services}. Outputs: ${stored.profileFile}`)
    return result
  }
}
