import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {stopIdleDrivers} from '../../lib/local/warm-driver'
import {COMPONENT_NAMES} from '../../lib/local/stack'
import type {ComponentState} from '../../lib/targets/types'
import {renderTable} from '../../lib/ui'

/** warmDrivers: the idle warm Spark drivers stopped (profile spark.warmDriver); a whole-stack `down` stops them. */
export type LocalDownResult = {components: ComponentState[]; warmDrivers: number}

export default class LocalDown extends BaseCommand<typeof LocalDown, LocalDownResult> {
  static summary = 'Stop what `local up` started (and nothing else).'
  static description = 'Data is kept under the state directory; the next `local up` resumes from it.'
  static examples = ['<%= config.bin %> local down', '<%= config.bin %> local down connect']
  static strict = false
  static args = {component: Args.string({description: `Components to stop (default all): ${COMPONENT_NAMES.join(', ')}`, required: false})}

  async run(): Promise<LocalDownResult> {
    const progress = await this.progress('stopping the local stack')
    const components = await this.target().localStack().down(this.positional, (step) => progress.update(step))
    const warmDrivers = this.positional.length === 0 ? stopIdleDrivers(this.target().profile.stateDir) : 0
    progress.stop(warmDrivers > 0 ? `stopped, and ${warmDrivers} idle warm driver(s)` : 'stopped')
    this.say(renderTable(components as unknown as Record<string, unknown>[], ['component', 'state', 'port']))
    return {components, warmDrivers}
  }
}
