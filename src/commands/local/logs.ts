import {existsSync, readFileSync} from 'node:fs'

import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {COMPONENT_NAMES} from '../../lib/local/stack'

export type LocalLogsResult = {component: string; file: string; lines: string[]}

export default class LocalLogs extends BaseCommand<typeof LocalLogs, LocalLogsResult> {
  static summary = 'Print the last lines of a local component\'s log.'
  static examples = ['<%= config.bin %> local logs connect', '<%= config.bin %> local logs kafka --lines 200']
  static args = {component: Args.string({description: 'Component', options: COMPONENT_NAMES, required: true})}
  static flags = {lines: Flags.integer({char: 'n', description: 'How many lines', default: 50, min: 1})}

  async run(): Promise<LocalLogsResult> {
    const file = this.target().localStack().logFile(this.args.component)
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-this.flags.lines) : []
    this.say(lines.length > 0 ? lines.join('\n') : `(no log yet at ${file})`)
    return {component: this.args.component, file, lines}
  }
}
