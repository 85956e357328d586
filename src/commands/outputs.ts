import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {resolveEnvironment, requireAwsProfile} from '../lib/deploy/environment'
import {readStoredOutputs, storeOutputs} from '../lib/deploy/outputs'
import {CdcError} from '../lib/errors'
import type {ProfileInput} from '../lib/config'
import {renderTable, startProgress} from '../lib/ui'

export interface OutputsResult {
  source: 'stored' | 'terraform'
  profileFile: string
  /** The profile keys the outputs set. */
  profile: ProfileInput
  /** Every non-sensitive Terraform output; sensitive ones are never read into cdcctl's files or output. */
  outputs: Record<string, unknown>
}

export default class Outputs extends BaseCommand<typeof Outputs> {
  static summary = 'Show the Terraform outputs stored in the profile, or read them again from Terraform.'
  static description = 'deploy stores them in {stateDir}/outputs/<profile>.json; --refresh runs terraform init and output -json and rewrites that file. Sensitive outputs are left out.'
  static examples = ['<%= config.bin %> outputs --profile aws', '<%= config.bin %> outputs --profile aws --refresh --json']

  static flags = {
    refresh: Flags.boolean({description: 'Read the outputs from Terraform state and rewrite the profile file.', default: false}),
    env: Flags.string({description: 'Environment (with --refresh). Default: the profile\'s deploy.env (dev).'}),
  }

  async run(): Promise<OutputsResult> {
    const profile = this.target().profile
    requireAwsProfile(profile, 'outputs')
    let result: OutputsResult
    const stored = this.flags.refresh ? undefined : readStoredOutputs(profile)
    if (stored) {
      result = {source: 'stored', profileFile: stored.profileFile, profile: stored.profile, outputs: stored.outputs}
    } else {
      const environment = resolveEnvironment(profile, {env: this.flags.env, stream: this.flags.verbose, command: 'outputs'})
      const progress = await startProgress('reading Terraform outputs', !this.jsonEnabled() && !this.flags.verbose)
      try {
        await environment.terraform.init(environment.backendConfig)
        const fresh = storeOutputs(profile, await environment.terraform.output())
        if (Object.keys(fresh.outputs).length === 0) throw new CdcError(`Terraform has no outputs for "${environment.env}"`, {code: 'NO_OUTPUTS', actions: [`cdcctl deploy --profile ${profile.name}`]})
        result = {source: 'terraform', profileFile: fresh.profileFile, profile: fresh.profile, outputs: fresh.outputs}
      } finally {
        progress.stop()
      }
    }
    const rows = Object.entries(result.outputs).map(([name, value]) => ({name, value}))
    this.say(renderTable(rows, ['name', 'value']))
    this.say(`Profile "${profile.name}" reads them from ${result.profileFile}`)
    return result
  }
}
