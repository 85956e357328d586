import {expect} from 'chai'

import type {Profile} from '../../src/lib/config'
import {kafkaClient, tailTopic, withAdmin} from '../../src/lib/kafka'
import {cdcctl, json} from '../helpers/cli'
import {localStack} from '../helpers/stack'

describe('kafkajs against the pinned broker (Kafka 4.3.1, KRaft)', function () {
  this.timeout(120_000)
  let profile: Profile
  const topic = `it-kafkajs-${Date.now()}`

  before(async () => {
    profile = await localStack()
  })

  after(async () => {
    if (profile) await withAdmin(profile.kafka.brokers, (admin) => admin.deleteTopics({topics: [topic]}))
  })

  it('creates a topic, produces idempotently with acks=all and headers, and reads it back', async () => {
    const kafka = await kafkaClient(profile.kafka.brokers)
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({waitForLeaders: true, topics: [{topic, numPartitions: 3}]})
    const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    const messages = Array.from({length: 30}, (_, i) => ({key: JSON.stringify({id: i % 5}), value: JSON.stringify({op: 'c', after: {id: i % 5, n: i}, source: {table: 't'}}), headers: {'cdc.origin.offset': String(i)}}))
    await producer.send({topic, acks: -1, messages})
    await producer.disconnect()
    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).to.equal(30)
    await admin.disconnect()

    const events = await tailTopic(profile.kafka.brokers, topic, {fromBeginning: true, idleMs: 5000})
    expect(events).to.have.length(30)
    // The default partitioner is Java-compatible murmur2: one key, one partition.
    const partitionOf = new Map<string, Set<number>>()
    for (const e of events) partitionOf.set(JSON.stringify(e.key), (partitionOf.get(JSON.stringify(e.key)) ?? new Set()).add(e.partition))
    for (const parts of partitionOf.values()) expect(parts.size).to.equal(1)
  })

  it('kafka topics reports partitions and end offsets', async () => {
    const res = json<{result: {topics: {topic: string; partitions: number; messages: number}[]}}>(await cdcctl(['kafka', 'topics', '--json']))
    expect(res.result.topics.find((t) => t.topic === topic)).to.include({partitions: 3, messages: 30})
  })

  it('kafka tail --limit stops after that many events and prints them as JSON', async () => {
    const res = json<{result: {events: {op: string}[]}}>(await cdcctl(['kafka', 'tail', topic, '--from-beginning', '--limit', '7', '--json']))
    expect(res.result.events).to.have.length(7)
    expect(res.result.events.every((e) => e.op === 'c')).to.equal(true)
  })

  it('kafka tail of a missing topic is a one-line error', async () => {
    const res = await cdcctl(['kafka', 'tail', 'no.such.topic', '--limit', '1'])
    expect(res.code).to.equal(1)
    expect(res.stderr).to.match(/^Error: Topic no.such.topic does not exist/)
  })
})
