import {CdcError, firstLine} from './errors'
import {kafkaClient, type RawMessage, unreachable, withAdmin} from './kafka'

/** Offsets per partition ("0" -> "123"), as admin.fetchTopicOffsets gives them. */
export type PartitionOffsets = Record<string, string>

// kafkajs (2.2.4, pinned) has no public way to read without a consumer group: its consumers always
// join one, and a group join on a broker with Kafka's default group.initial.rebalance.delay.ms (3 s,
// as on AWS) takes that long before the first fetch. A bounded read by assignment uses what its
// consumer uses underneath: the client's cluster (metadata, leaders) and the broker's Fetch request.
interface FetchedMessage {
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>
}
interface FetchBatch {
  messages: FetchedMessage[]
  isEmptyIncludingFiltered(): boolean
  lastOffset(): string
}
interface ClusterBroker {
  fetch(request: {maxWaitTime: number; minBytes: number; maxBytes: number; topics: {topic: string; partitions: {partition: number; fetchOffset: string; maxBytes: number}[]}[]}): Promise<{responses: {topicName: string; partitions: {partition: number; highWatermark: string; messages: unknown[]; abortedTransactions: unknown[]}[]}[]}>
}
interface Cluster {
  connect(): Promise<void>
  disconnect(): Promise<void>
  addTargetTopic(topic: string): Promise<void>
  refreshMetadata(): Promise<void>
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>
  findBroker(args: {nodeId: string}): Promise<ClusterBroker>
}

async function openCluster(brokers: string[]): Promise<{cluster: Cluster; Batch: new (topic: string, fetchedOffset: string, partitionData: unknown) => FetchBatch}> {
  const kafka = (await kafkaClient(brokers, 'cdcctl-range')) as unknown as Record<symbol, unknown>
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  if (!create) throw new CdcError('This kafkajs has no cluster factory: reading by partition assignment needs kafkajs 2.2.x', {code: 'KAFKAJS_UNSUPPORTED'})
  const cluster = (kafka[create] as (o: object) => Cluster)({allowAutoTopicCreation: false})
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, partitionData: unknown) => FetchBatch
  return {cluster, Batch}
}

const toHeaders = (h: FetchedMessage['headers']): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, (Array.isArray(v) ? v[0] : v)?.toString() ?? '']))

/**
 * The records of `topic` from `from` (per partition, inclusive) up to `to` (exclusive; by default the
 * end offsets at the call), read by explicit partition assignment: no consumer group, so no group
 * join to wait for, and the read ends when each partition reaches its bound, not after a quiet spell.
 * A partition whose records before the bound are gone (retention) is an error naming the range.
 * With `onMessage` each record goes there and none is kept.
 */
export async function readRange(brokers: string[], topic: string, from: PartitionOffsets, to?: PartitionOffsets, options: {maxBytes?: number; timeoutMs?: number; onMessage?: (m: RawMessage) => void} = {}): Promise<RawMessage[]> {
  const bounds = to ?? (await withAdmin(brokers, async (admin) => Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((o) => [String(o.partition), o.high]))))
  const {cluster, Batch} = await openCluster(brokers)
  const out: RawMessage[] = []
  const deadline = Date.now() + (options.timeoutMs ?? 120_000)
  try {
    await cluster.connect()
    await cluster.addTargetTopic(topic)
    for (const [partition, start] of Object.entries(from)) {
      const end = BigInt(bounds[partition] ?? start)
      let offset = BigInt(start)
      while (offset < end) {
        if (Date.now() > deadline) throw new CdcError(`Reading ${topic} partition ${partition} up to offset ${end} took too long (at ${offset})`, {code: 'KAFKA_READ_TIMEOUT'})
        const leader = Object.entries(cluster.findLeaderForPartitions(topic, [Number(partition)]))[0]
        if (!leader) throw new CdcError(`Topic ${topic} has no partition ${partition}`, {code: 'TOPIC_NOT_FOUND'})
        const broker = await cluster.findBroker({nodeId: leader[0]})
        const fetchOffset = offset.toString()
        const response = await broker.fetch({maxWaitTime: 500, minBytes: 1, maxBytes: options.maxBytes ?? 4 << 20, topics: [{topic, partitions: [{partition: Number(partition), fetchOffset, maxBytes: options.maxBytes ?? 4 << 20}]}]})
        const data = response.responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === Number(partition))
        if (!data) continue
        const batch = new Batch(topic, fetchOffset, data)
        if (batch.isEmptyIncludingFiltered()) {
          if (BigInt(data.highWatermark) <= offset) break
          continue
        }
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) break
          const message = {topic, partition: Number(partition), offset: m.offset, key: m.key, value: m.value, headers: toHeaders(m.headers)}
          // a caller that looks at each record as it comes keeps memory flat over a long range
          if (options.onMessage) options.onMessage(message)
          else out.push(message)
        }
        offset = BigInt(batch.lastOffset()) + 1n
      }
    }
  } catch (error) {
    if (error instanceof CdcError) throw error
    const e = error as Error & {type?: string}
    if (e.type === 'OFFSET_OUT_OF_RANGE') {
      throw new CdcError(`Records of ${topic} from offsets ${JSON.stringify(from)} are no longer in Kafka (retention): ${firstLine(e.message)}`, {code: 'KAFKA_OFFSET_GAP', cause: error})
    }
    throw unreachable(brokers, error)
  } finally {
    await cluster.disconnect().catch(() => undefined)
  }
  return out
}
