import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {confirm} from '../lib/confirm'
import {destroyEnvironment, preparePlan} from '../lib/deploy/flow'
import {renderPlan, type StepRecord, Steps} from '../lib/deploy/steps'
import type {PlanSummary} from '../lib/terraform'
import {startProgress} from '../lib/ui'

export interface DestroyResult {
  env: string
  dryRun: boolean
  destroyed: boolean
  plan: PlanSummary | null
  steps: StepRecord[]
}

export default class Destroy extends BaseCommand<typeof Destroy, DestroyResult> {
  static summary = 'Destroy the AWS environment with terraform destroy.'
  static description = 'Confirm by typing the environment name on a terminal, or pass --confirm <env>; anything else refuses (exit 2). The stored outputs of the profile are removed afterwards.'
  static examples = ['<%= config.bin %> destroy --profile aws', '<%= config.bin %> destroy --profile aws --env dev --confirm dev', '<%= config.bin %> destroy --profile aws --dry-run']

  static flags = {
    env: Flags.string({description: 'Environment: terraform/envs/<env>.tfvars. Default: the profile\'s deploy.env (dev).'}),
    confirm: Flags.string({description: 'The environment name, to confirm without a prompt.'}),
    'dry-run': Flags.boolean({description: 'Plan the destruction and show it; change nothing.', default: false}),
  }

  async run(): Promise<DestroyResult> {
    const target = this.target()
    const environment = target.deployment({env: this.flags.env, stream: this.flags.verbose, command: 'destroy'})
    const {env} = environment
    const steps = new Steps((text) => startProgress(text, !this.jsonEnabled() && !this.flags.verbose))
    if (this.flags['dry-run']) {
      const {plan} = await preparePlan(target.profile, environment, steps, {destroy: true})
      this.say(renderPlan(plan))
      return {env, dryRun: true, destroyed: false, plan, steps: steps.records}
    }
    await confirm({action: `Destroy every resource of "${env}", the data lake included`, name: env, confirmed: this.flags.confirm, flag: `--confirm ${env}`, noPrompt: this.jsonEnabled()})
    const pre = await destroyEnvironment(target.profile, environment, steps)
    for (const w of pre.warnings) this.warn(w)
    this.say(`Destroyed ${env}; the stored outputs of profile "${target.profile.name}" were removed.`)
    return {env, dryRun: false, destroyed: true, plan: null, steps: steps.records}
  }
}
