import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {preparePlan} from '../lib/deploy/flow'
import {renderPlan, type StepRecord, Steps} from '../lib/deploy/steps'
import type {PlanSummary} from '../lib/terraform'
import {startProgress} from '../lib/ui'

export interface PlanResult {
  env: string
  planFile: string
  plan: PlanSummary
  steps: StepRecord[]
}

export default class Plan extends BaseCommand<typeof Plan, PlanResult> {
  static summary = 'Show what `deploy` would change in the AWS environment, changing nothing.'
  static description = 'preflight → terraform init → terraform plan into a saved plan file → a summary of adds, changes and destroys.'
  static examples = ['<%= config.bin %> plan --profile aws', '<%= config.bin %> plan --profile aws --env dev --json']

  static flags = {
    env: Flags.string({description: 'Environment: terraform/envs/<env>.tfvars. Default: the profile\'s deploy.env (dev).'}),
    destroy: Flags.boolean({description: 'Plan the destruction of the environment instead.', default: false}),
  }

  async run(): Promise<PlanResult> {
    const target = this.target()
    const profile = target.profile
    const environment = target.deployment({env: this.flags.env, stream: this.flags.verbose, command: 'plan'})
    const steps = new Steps((text) => startProgress(text, !this.jsonEnabled() && !this.flags.verbose))
    const {preflight, plan} = await preparePlan(profile, environment, steps, {destroy: this.flags.destroy})
    for (const w of preflight.warnings) this.warn(w)
    this.say(renderPlan(plan))
    return {env: environment.env, planFile: environment.planFile, plan, steps: steps.records}
  }
}
