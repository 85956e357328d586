import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {resolveEnvironment} from '../lib/deploy/environment'
import {preparePlan} from '../lib/deploy/flow'
import {removeStoredOutputs} from '../lib/deploy/outputs'
import {preflight} from '../lib/deploy/preflight'
import {ask, interactive, renderPlan, type StepRecord, Steps} from '../lib/deploy/steps'
import {usageError} from '../lib/errors'
import type {PlanSummary} from '../lib/terraform'
import {startProgress} from '../lib/ui'

export interface DestroyResult {
  env: string
  dryRun: boolean
  destroyed: boolean
  plan: PlanSummary | null
  steps: StepRecord[]
}

export default class Destroy extends BaseCommand<typeof Destroy> {
  static summary = 'Destroy the AWS environment with terraform destroy.'
  static description = 'Confirm by typing the environment name on a terminal, or pass --confirm <env>; anything else refuses (exit 2). The stored outputs of the profile are removed afterwards.'
  static examples = ['<%= config.bin %> destroy --profile aws', '<%= config.bin %> destroy --profile aws --env dev --confirm dev', '<%= config.bin %> destroy --profile aws --dry-run']

  static flags = {
    env: Flags.string({description: 'Environment: terraform/envs/<env>.tfvars. Default: the profile\'s deploy.env (dev).'}),
    confirm: Flags.string({description: 'The environment name, to confirm without a prompt.'}),
    'dry-run': Flags.boolean({description: 'Plan the destruction and show it; change nothing.', default: false}),
  }

  async run(): Promise<DestroyResult> {
    const profile = this.target().profile
    const environment = resolveEnvironment(profile, {env: this.flags.env, stream: this.flags.verbose, command: 'destroy'})
    const {env} = environment
    const steps = new Steps((text) => startProgress(text, !this.jsonEnabled() && !this.flags.verbose))
    if (this.flags['dry-run']) {
      const {plan} = await preparePlan(profile, environment, steps, {destroy: true})
      this.say(renderPlan(plan))
      return {env, dryRun: true, destroyed: false, plan, steps: steps.records}
    }
    if (this.flags.confirm !== undefined) {
      if (this.flags.confirm !== env) throw usageError(`--confirm ${this.flags.confirm} does not match the environment "${env}"`, [`--confirm ${env}`])
    } else if (interactive()) {
      const answer = await ask(`This destroys every resource of "${env}", the data lake included. Type the environment name to confirm: `)
      if (answer !== env) throw usageError(`Destroy cancelled: "${answer}" is not "${env}"`, [`type ${env}`])
    } else {
      throw usageError(`destroy needs a confirmation and there is no terminal to ask on`, [`pass --confirm ${env}`])
    }
    const pre = await steps.run('preflight', 'checking Terraform and AWS credentials', () => preflight(profile, environment), (p) => `Terraform ${p.terraformVersion}, account ${p.account}`)
    for (const w of pre.warnings) this.warn(w)
    await steps.run('init', `terraform init (${env})`, () => environment.terraform.init(environment.backendConfig))
    await steps.run('destroy', `terraform destroy (${env})`, () => environment.terraform.destroy(environment.varFile))
    removeStoredOutputs(profile)
    this.say(`Destroyed ${env}; the stored outputs of profile "${profile.name}" were removed.`)
    return {env, dryRun: false, destroyed: true, plan: null, steps: steps.records}
  }
}
