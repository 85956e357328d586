import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {registerConnector, type RegisterResult} from '../../lib/connect/register'

export type ConnectorRegisterResult = RegisterResult

export default class ConnectorRegister extends BaseCommand<typeof ConnectorRegister, ConnectorRegisterResult> {
  static summary = 'Register (or update) the Debezium Postgres connector and wait until it runs.'
  static description = `Builds the config, validates it through Kafka Connect, applies it with PUT (idempotent) and waits until the connector and its tasks are RUNNING. The database password never enters the config: it is a Kafka Connect config-provider reference (\${file:…} to a 0600 file locally; \${env:…} on aws, where ECS fills the Connect task's environment from the Secrets Manager secret).`
  static examples = [
    '<%= config.bin %> connector register',
    '<%= config.bin %> connector register --dry-run',
    '<%= config.bin %> connector register --config overrides.json',
    '<%= config.bin %> connector register --profile aws --dry-run --json',
  ]

  static flags = {
    'dry-run': Flags.boolean({description: 'Print the config (the password is a config-provider reference) and change nothing.', default: false}),
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
    if (result.action === 'dry-run') this.say(JSON.stringify(result.config, null, 2))
    else this.say(`Connector ${result.connector} ${result.action}: ${result.state}, tasks ${result.tasks?.map((t) => `${t.id}=${t.state}`).join(' ')}`)
    return result
  }
}
