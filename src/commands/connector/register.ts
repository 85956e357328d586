import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {registerConnector, type RegisterResult} from '../../lib/connect/register'

export type ConnectorRegisterResult = RegisterResult

export default class ConnectorRegister extends BaseCommand<typeof ConnectorRegister> {
  static summary = 'Register (or update) the Debezium Postgres connector and wait until it runs.'
  static description = `Builds the config from the target's credentials (the local profile, or Secrets Manager secret db-credentials on aws), validates it through Kafka Connect, applies it with PUT (idempotent) and waits until the connector and its tasks are RUNNING.`
  static examples = [
    '<%= config.bin %> connector register',
    '<%= config.bin %> connector register --dry-run',
    '<%= config.bin %> connector register --config overrides.json',
    '<%= config.bin %> connector register --profile aws --dry-run --json',
  ]

  static flags = {
    'dry-run': Flags.boolean({description: 'Print the config (password redacted) and change nothing.'}),
    config: Flags.file({description: 'JSON file of connector properties merged over the generated ones.', exists: true}),
    timeout: Flags.integer({description: 'Seconds to wait for RUNNING.', default: 90, min: 1}),
  }

  async run(): Promise<ConnectorRegisterResult> {
    const progress = await this.progress('building the connector config')
    const result = await registerConnector(this.target(), {
      dryRun: this.flags['dry-run'],
      overridesFile: this.flags.config,
      timeoutMs: this.flags.timeout * 1000,
      onStep: (s) => progress.update(s),
    })
    progress.stop()
    if (result.action === 'dry-run') this.say(JSON.stringify(result.config, null, 2).replace(/("database\.password": )".*"/, '$1"********"'))
    else this.say(`Connector ${result.connector} ${result.action}: ${result.state}, tasks ${result.tasks?.map((t) => `${t.id}=${t.state}`).join(' ')}`)
    return result
  }
}
