import {BaseCommand} from '../../base-command'
import type {ComponentState} from '../../lib/targets/types'
import {renderTable} from '../../lib/ui'

export type LocalStatusResult = {components: ComponentState[]}

export default class LocalStatus extends BaseCommand<typeof LocalStatus, LocalStatusResult> {
  static summary = 'Show the state of each local component.'
  static examples = ['<%= config.bin %> local status', '<%= config.bin %> local status --json']

  async run(): Promise<LocalStatusResult> {
    const components = await this.target().localStack().status()
    this.say(renderTable(components as unknown as Record<string, unknown>[], ['component', 'state', 'port', 'endpoint', 'pid', 'log']))
    return {components}
  }
}
