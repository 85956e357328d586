import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {COMPONENT_NAMES} from '../../lib/local/stack'
import type {ComponentState} from '../../lib/targets/types'
import {renderTable} from '../../lib/ui'

export type LocalUpResult = {components: ComponentState[]}

export default class LocalUp extends BaseCommand<typeof LocalUp, LocalUpResult> {
  static summary = 'Start the local stack: PostgreSQL, a Kafka broker (KRaft) and Kafka Connect with Debezium.'
  static description = 'Idempotent: starts only what is not running, installs what is missing first, and waits until every component answers. The profile\'s runtime decides how: native processes (default) or docker/docker-compose.yml (runtime: docker, or CDCCTL_RUNTIME=docker).'
  static examples = ['<%= config.bin %> local up', '<%= config.bin %> local up kafka', '<%= config.bin %> local up --json', 'CDCCTL_RUNTIME=docker <%= config.bin %> local up']
  static strict = false
  static args = {component: Args.string({description: `Components to start (default all): ${COMPONENT_NAMES.join(', ')}`, required: false})}

  async run(): Promise<LocalUpResult> {
    const progress = await this.progress('preparing the local runtime')
    const components = await this.target().localStack().up(this.positional, (step) => progress.update(step), this.jsonEnabled())
    progress.stop('local stack is up')
    this.say(renderTable(components as unknown as Record<string, unknown>[], ['component', 'state', 'port', 'endpoint', 'pid']))
    return {components}
  }
}
