import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {dockerUp, runtimeFlag} from '../../lib/local/docker'
import {COMPONENT_NAMES} from '../../lib/local/stack'
import type {ComponentState} from '../../lib/targets/types'
import {renderTable} from '../../lib/ui'

export type LocalUpResult = {components: ComponentState[]}

export default class LocalUp extends BaseCommand<typeof LocalUp, LocalUpResult> {
  static summary = 'Start the local stack: PostgreSQL, a Kafka broker (KRaft) and Kafka Connect with Debezium.'
  static description = 'Idempotent: starts only what is not running, installs what is missing first, and waits until every component answers.'
  static examples = ['<%= config.bin %> local up', '<%= config.bin %> local up kafka', '<%= config.bin %> local up --json']
  static strict = false
  static flags = {runtime: runtimeFlag}
  static args = {component: Args.string({description: `Components to start (default all): ${COMPONENT_NAMES.join(', ')}`, required: false})}

  async run(): Promise<LocalUpResult> {
    if (this.flags.runtime === 'docker') {
      const progress = await this.progress('docker compose up --wait')
      await dockerUp((line) => progress.update(line))
      progress.stop('local stack is up (docker)')
      return {components: []}
    }
    const progress = await this.progress('preparing the local runtime')
    const components = await this.target().localStack().up(this.positional, (step) => progress.update(step), this.jsonEnabled())
    progress.stop('local stack is up')
    this.say(renderTable(components as unknown as Record<string, unknown>[], ['component', 'state', 'port', 'endpoint', 'pid']))
    return {components}
  }
}
