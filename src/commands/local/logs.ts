
import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {COMPONENT_NAMES} from '../../lib/local/stack'

export type LocalLogsResult = {component: string; lines: string[]}

export default class LocalLogs extends BaseCommand<typeof LocalLogs, LocalLogsResult> {
  static summary = 'Print the last lines of a local component\'s log.'
  static examples = ['<%= config.bin %> local logs connect', '<%= config.bin %> local logs kafka --lines 200']
  static args = {component: Args.string({description: 'Component', options: COMPONENT_NAMES, required: true})}
  static flags = {lines: Flags.integer({char: 'n', description: 'How many lines', default: 50, min: 1})}

  async run(): Promise<LocalLogsResult> {
    const lines = await this.target().localStack().logs(this.args.component, this.flags.lines)
    this.say(lines.length > 0 ? lines.join('\n') : `(no log of ${this.args.component} yet)`)
    return {component: this.args.component, lines}
  }
}
