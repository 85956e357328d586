import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {connectorConfig, validateConfig} from '../../lib/connect/register'
import {CdcError} from '../../lib/errors'

export type ConnectorValidateResult = {valid: boolean; errors: string[]}

export default class ConnectorValidate extends BaseCommand<typeof ConnectorValidate, ConnectorValidateResult> {
  static summary = 'Validate the connector config through Kafka Connect without applying it.'
  static examples = ['<%= config.bin %> connector validate', '<%= config.bin %> connector validate --config overrides.json --json']
  static flags = {config: Flags.file({description: 'JSON file of connector properties merged over the generated ones.', exists: true})}

  async run(): Promise<ConnectorValidateResult> {
    const target = this.target()
    const errors = await validateConfig(target.connect(), target.profile.connect.connector, await connectorConfig(target, this.flags.config))
    if (errors.length > 0) {
      throw new CdcError(`Connector config is invalid: ${errors.join('; ')}`, {code: 'CONNECTOR_INVALID', exit: 2, actions: ['fix the named fields']})
    }
    this.say('Connector config is valid.')
    return {valid: true, errors}
  }
}
