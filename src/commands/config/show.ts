import {BaseCommand} from '../../base-command'
import type {Profile} from '../../lib/config'
import {redact} from '../../lib/redact'

export type ConfigShowResult = Profile

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static summary = 'Print the resolved configuration of a profile, secrets redacted.'
  static description = 'Built-in defaults, then cdcctl.config.json, then saved Terraform outputs, then CDCCTL_* environment variables.'
  static examples = ['<%= config.bin %> config show', '<%= config.bin %> config show --profile aws --json']

  async run(): Promise<ConfigShowResult> {
    const profile = this.target().profile
    this.say(JSON.stringify(redact(profile), null, 2))
    return profile
  }
}
