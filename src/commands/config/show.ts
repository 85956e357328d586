import {BaseCommand} from '../../base-command'
import {profileView, type ProfileView} from '../../lib/config'

export type ConfigShowResult = ProfileView

export default class ConfigShow extends BaseCommand<typeof ConfigShow, ConfigShowResult> {
  static summary = 'Print the resolved configuration of a profile, secrets redacted.'
  static description = 'Built-in defaults, then cdcctl.config.json, then saved Terraform outputs, then CDCCTL_* environment variables.'
  static examples = ['<%= config.bin %> config show', '<%= config.bin %> config show --profile aws --json']

  async run(): Promise<ConfigShowResult> {
    const view = profileView(this.target().profile)
    this.say(JSON.stringify(view, null, 2))
    return view
  }
}
