import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {currentOutputs, type OutputsView} from '../lib/deploy/outputs'
import {renderTable, startProgress} from '../lib/ui'

export type OutputsResult = OutputsView

export default class Outputs extends BaseCommand<typeof Outputs, OutputsResult> {
  static summary = 'Show the Terraform outputs stored in the profile, or read them again from Terraform.'
  static description = 'deploy stores them in {stateDir}/outputs/<profile>.json; --refresh runs terraform init and output -json and rewrites that file. Sensitive outputs are left out.'
  static examples = ['<%= config.bin %> outputs --profile aws', '<%= config.bin %> outputs --profile aws --refresh --json']

  static flags = {
    refresh: Flags.boolean({description: 'Read the outputs from Terraform state and rewrite the profile file.', default: false}),
    env: Flags.string({description: 'Environment (with --refresh). Default: the profile\'s deploy.env (dev).'}),
  }

  async run(): Promise<OutputsResult> {
    const target = this.target()
    const environment = target.deployment({env: this.flags.env, stream: this.flags.verbose, command: 'outputs'})
    const progress = await startProgress('reading Terraform outputs', !this.jsonEnabled() && !this.flags.verbose && this.flags.refresh)
    const result = await currentOutputs(target.profile, environment, this.flags.refresh).finally(() => progress.stop())
    const rows = Object.entries(result.outputs).map(([name, value]) => ({name, value}))
    this.say(renderTable(rows, ['name', 'value']))
    this.say(`Profile "${target.profile.name}" reads them from ${result.profileFile}`)
    return result
  }
}
