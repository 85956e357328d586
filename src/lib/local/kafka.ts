import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {connect as tcpConnect} from 'node:net'

import type {Profile} from '../config'
import {type Component} from './component'
import {JvmComponent, kafkaClasspath, writeProperties} from './jvm'
import {run} from './process'

/** Broker settings to change: a value replaces the local stack's, null leaves Kafka's own default. */
export type BrokerOverrides = Record<string, number | string | null>

export class KafkaComponent extends JvmComponent implements Component {
  readonly name = 'kafka' as const
  readonly port = this.profile.ports.kafka
  readonly endpoint = `127.0.0.1:${this.profile.ports.kafka}`

  constructor(profile: Profile, private readonly overrides: BrokerOverrides = {}) {
    super(profile)
  }

  protected componentName(): 'kafka' {
    return 'kafka'
  }

  async ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = tcpConnect(this.port, '127.0.0.1')
      socket.once('connect', () => (socket.end(), resolve(true)))
      socket.once('error', () => resolve(false))
    })
  }

  async start(): Promise<void> {
    const dataDir = this.ensureDir(this.dir('data'))
    const props = this.dir('server.properties')
    const {kafka, controller} = this.profile.ports
    const settings: Record<string, number | string | null> = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.bootstrap.servers': `127.0.0.1:${controller}`,
      listeners: `PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${controller}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${kafka}`,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': dataDir,
      'num.partitions': this.profile.kafka.partitions,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'share.coordinator.state.topic.replication.factor': 1,
      'share.coordinator.state.topic.min.isr': 1,
      // Kafka's default (3 s, as on AWS) delays every group's first join; one local broker has no one to wait for.
      'group.initial.rebalance.delay.ms': 0,
      ...this.overrides,
    }
    writeProperties(props, Object.fromEntries(Object.entries(settings).filter((e): e is [string, number | string] => e[1] !== null)))
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      const cp = kafkaClasspath()
      const clusterId = run('kafka random-uuid', 'java', ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid']).trim().split('\n').pop() as string
      run('kafka storage format', 'java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--standalone'])
    }
    this.launch('kafka.Kafka', [props], '768m')
  }
}
