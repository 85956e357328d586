import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {jobNames, sourceTables, topicFor} from '../../src/lib/catalog'
import {kafkaClient, withAdmin} from '../../src/lib/kafka'
import {type ExtraBroker, startDefaultDelayBroker} from '../helpers/broker'
import {cdcctl, json} from '../helpers/cli'
import {localStack} from '../helpers/stack'

type RunJson = {result: {state: string; error: string | null; summary: {rows_written?: number; skipped_offsets?: string[]} | null}}

const table = sourceTables()[0]
const topic = topicFor(table)
const bronzeJob = jobNames()[0]

/** A Debezium insert envelope of the first catalog table, as the connector writes it (JSON, no schemas). */
const envelope = (id: number): string => JSON.stringify({before: null, after: {id}, source: {table, lsn: 1000 + id, txId: id, ts_ms: 1_764_064_800_000 + id}, op: 'c', ts_ms: 1_764_064_800_000 + id})

describe('the bronze job and a Kafka offset gap', function () {
  this.timeout(900_000)
  let broker: ExtraBroker | undefined
  let root: string
  let env: NodeJS.ProcessEnv

  before(async () => {
    await localStack()
    broker = await startDefaultDelayBroker()
    await withAdmin(broker.brokers, (admin) => admin.createTopics({waitForLeaders: true, topics: sourceTables().map((t) => ({topic: topicFor(t), numPartitions: 1}))}))
    root = mkdtempSync(join(tmpdir(), 'cdcctl-gap-'))
    env = {CDCCTL_KAFKA_BROKERS: broker.brokers.join(','), CDCCTL_STORAGE_ROOT: `file://${root}`}
  })

  after(async () => {
    await broker?.stop()
    if (root) rmSync(root, {recursive: true, force: true})
  })

  const produce = async (ids: number[]): Promise<void> => {
    const producer = (await kafkaClient((broker as ExtraBroker).brokers)).producer()
    await producer.connect()
    await producer.send({topic, acks: -1, messages: ids.map((id) => ({key: JSON.stringify({id}), value: envelope(id), partition: 0}))})
    await producer.disconnect()
  }

  const run = async (...args: string[]): Promise<RunJson['result']> => json<RunJson>(await cdcctl(['job', 'run', bronzeJob, ...args, '--json'], {env, timeoutMs: 600_000})).result

  it('fails naming the topic, partition and range, and goes on only past the range it acknowledges', async () => {
    await produce([0, 1, 2, 3, 4])
    const first = await run()
    expect(first.state, first.error ?? '').to.equal('SUCCEEDED')
    expect(first.summary?.rows_written).to.equal(5)

    // offsets 5-7 are deleted before the job read them, as retention would
    await produce([5, 6, 7, 8, 9])
    await withAdmin((broker as ExtraBroker).brokers, async (admin) => {
      await admin.fetchTopicMetadata({topics: [topic]})
      await admin.deleteTopicRecords({topic, partitions: [{partition: 0, offset: '8'}]})
    })
    const gap = await run()
    expect(gap.state).to.equal('FAILED')
    expect(gap.error).to.contain(`${topic} partition 0 offsets 5-7`)
    expect(gap.error).to.contain(`=${topic}:0:5-7`)

    const wrong = await run('--arg', `acknowledge-offset-gap=${topic}:0:5-6`)
    expect(wrong.state, 'an acknowledgement of another range skips nothing').to.equal('FAILED')

    const acknowledged = await run('--arg', `acknowledge-offset-gap=${topic}:0:5-7`)
    expect(acknowledged.state, acknowledged.error ?? '').to.equal('SUCCEEDED')
    expect(acknowledged.summary?.skipped_offsets).to.deep.equal([`${topic}:0:5-7`])
    expect(acknowledged.summary?.rows_written).to.equal(2)
  })
})
