import {join} from 'node:path'

import {type Component} from './component'
import {JvmComponent, writeProperties} from './jvm'
import {catalog} from '../catalog'
import {runtimeDir} from '../paths'
import {ConnectClient} from '../connect/client'
import {POSTGRES_CONNECTOR_CLASS} from '../connect/debezium'

export class ConnectComponent extends JvmComponent implements Component {
  readonly name = 'connect' as const
  readonly port = this.profile.ports.connect
  readonly endpoint = `http://127.0.0.1:${this.profile.ports.connect}`

  protected componentName(): 'connect' {
    return 'connect'
  }

  /** Ready once the REST API answers and the Debezium plugin is loaded. */
  async ready(): Promise<boolean> {
    const plugins = await new ConnectClient(this.endpoint, {retries: 0}).plugins()
    return plugins.some((p) => p.class === POSTGRES_CONNECTOR_CLASS)
  }

  async start(): Promise<void> {
    const props = this.dir('connect-distributed.properties')
    this.ensureDir(this.dir())
    writeProperties(props, {
      'bootstrap.servers': `127.0.0.1:${this.profile.ports.kafka}`,
      'group.id': 'cdcctl-connect',
      listeners: `http://127.0.0.1:${this.port}`,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
      'config.storage.topic': '_connect-configs',
      'offset.storage.topic': '_connect-offsets',
      'status.storage.topic': '_connect-status',
      'config.storage.replication.factor': 1,
      'offset.storage.replication.factor': 1,
      'status.storage.replication.factor': 1,
      'plugin.path': runtimeDir('debezium'),
      // The connector's password is \${file:<secrets>/connect.properties:password} (LocalTarget), never a value in its config.
      'config.providers': 'file',
      'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      'config.providers.file.param.allowed.paths': join(this.profile.stateDir, 'secrets'),
      'plugin.discovery': 'hybrid_warn',
      ...catalog().connect.worker,
    })
    this.launch('org.apache.kafka.connect.cli.ConnectDistributed', [props], '1g')
  }
}
