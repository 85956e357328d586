import type {Admin, Kafka} from 'kafkajs'

import {CdcError, firstLine} from './errors'
import {type ChangeSummary, summarize} from './envelope'

interface Lz4 {
  compress(src: Uint8Array): Uint8Array
  decompress(src: Uint8Array): Uint8Array
}

/**
 * Kafka's LZ4 (the LZ4 frame format), which the connector's producer writes (connect/debezium.ts):
 * kafkajs reads only uncompressed and gzip batches without a codec. lz4js is plain JavaScript, so
 * nothing native is built at install.
 */
function lz4Codec() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lz4 = require('lz4js') as Lz4
  return {
    compress: async (encoder: {buffer: Buffer}) => Buffer.from(lz4.compress(encoder.buffer)),
    decompress: async (buffer: Buffer) => Buffer.from(lz4.decompress(buffer)),
  }
}

/** kafkajs loads lazily; its own logging stays off so output remains cdcctl's. */
export async function kafkaClient(brokers: string[], clientId = 'cdcctl'): Promise<Kafka> {
  const {Kafka: KafkaCtor, logLevel} = await import('kafkajs')
  // Node's import() of this CommonJS module names only some of its exports; require() has them all.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {CompressionCodecs, CompressionTypes} = require('kafkajs') as typeof import('kafkajs')
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec
  return new KafkaCtor({clientId, brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: {retries: 3, initialRetryTime: 300}})
}

export async function withAdmin<T>(brokers: string[], fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = (await kafkaClient(brokers)).admin()
  try {
    await admin.connect()
  } catch (error) {
    throw unreachable(brokers, error)
  }
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect().catch(() => undefined)
  }
}

export function unreachable(brokers: string[], error: unknown): CdcError {
  return new CdcError(`Kafka at ${brokers.join(',')} is not reachable: ${firstLine((error as Error).message)}`, {
    code: 'KAFKA_UNREACHABLE',
    actions: ['cdcctl local up', 'set kafka.brokers in cdcctl.config.json or CDCCTL_KAFKA_BROKERS'],
    cause: error,
  })
}

/** Create the topics that are missing (idempotent); returns the ones created. */
export async function ensureTopics(brokers: string[], topics: string[], partitions: number, replicationFactor: number): Promise<string[]> {
  return withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((t) => !existing.has(t))
    if (missing.length > 0) await admin.createTopics({waitForLeaders: true, topics: missing.map((topic) => ({topic, numPartitions: partitions, replicationFactor}))})
    return missing
  })
}

export interface TopicInfo {
  topic: string
  partitions: number
  messages: number
  endOffsets: Record<string, string>
}

export async function describeTopics(brokers: string[], options: {includeInternal?: boolean} = {}): Promise<TopicInfo[]> {
  return withAdmin(brokers, async (admin) => {
    const names = (await admin.listTopics()).filter((t) => options.includeInternal || !t.startsWith('_')).sort()
    const out: TopicInfo[] = []
    for (const topic of names) {
      const offsets = await admin.fetchTopicOffsets(topic)
      out.push({
        topic,
        partitions: offsets.length,
        messages: offsets.reduce((sum, o) => sum + (Number(o.high) - Number(o.low)), 0),
        endOffsets: Object.fromEntries(offsets.sort((a, b) => a.partition - b.partition).map((o) => [String(o.partition), o.high])),
      })
    }
    return out
  })
}

export interface RawMessage {
  topic: string
  partition: number
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, string>
}

export interface ReadOptions {
  /** Where to start: the oldest retained record, the current end, or offsets per partition. */
  from: 'beginning' | 'end' | Record<string, string>
  limit?: number
  /** Stop after this long without a new message (a bounded read ends by itself). */
  idleMs?: number
  onMessage?: (message: RawMessage) => void
}

/**
 * Read a topic through a throwaway consumer group that never commits (deleted afterwards), so
 * reading changes no offsets a pipeline relies on.
 */
export async function readTopic(brokers: string[], topic: string, options: ReadOptions): Promise<RawMessage[]> {
  const kafka = await kafkaClient(brokers, 'cdcctl-read')
  const ends = await withAdmin(brokers, async (admin) => {
    const topics = await admin.listTopics()
    if (!topics.includes(topic)) {
      throw new CdcError(`Topic ${topic} does not exist`, {code: 'TOPIC_NOT_FOUND', actions: ['cdcctl kafka topics', 'cdcctl connector status']})
    }
    return admin.fetchTopicOffsets(topic)
  })
  const groupId = `cdcctl-read-${process.pid}-${Date.now()}`
  const consumer = kafka.consumer({groupId})
  const seen: RawMessage[] = []
  try {
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: options.from === 'beginning'})
    await new Promise<void>((resolve, reject) => {
      let idleTimer: NodeJS.Timeout | undefined
      const arm = (): void => {
        if (options.idleMs === undefined) return
        if (idleTimer) clearTimeout(idleTimer)
        idleTimer = setTimeout(resolve, options.idleMs)
      }
      // The quiet spell is counted from the group join: on a broker with Kafka's default
      // group.initial.rebalance.delay.ms the join alone takes 3 s, and nothing can arrive before it.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        arm()
        const from = options.from
        if (from === 'end') for (const o of ends) consumer.seek({topic, partition: o.partition, offset: o.high})
        else if (from !== 'beginning') for (const [partition, offset] of Object.entries(from)) consumer.seek({topic, partition: Number(partition), offset})
      })
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({partition, message}) => {
            if (options.limit !== undefined && seen.length >= options.limit) return
            const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]))
            const raw = {topic, partition, offset: message.offset, key: message.key, value: message.value, headers}
            seen.push(raw)
            options.onMessage?.(raw)
            if (options.limit !== undefined && seen.length >= options.limit) resolve()
            else arm()
          },
        })
        .catch(reject)
    })
  } catch (error) {
    if (error instanceof CdcError) throw error
    throw unreachable(brokers, error)
  } finally {
    await consumer.disconnect().catch(() => undefined)
    await withAdmin(brokers, (admin) => admin.deleteGroups([groupId]).catch(() => undefined)).catch(() => undefined)
  }
  return seen
}

export interface TailOptions {
  fromBeginning: boolean
  limit?: number
  idleMs?: number
  onMessage?: (change: ChangeSummary) => void
}

/** Read a topic and summarize each Debezium envelope. */
export async function tailTopic(brokers: string[], topic: string, options: TailOptions): Promise<ChangeSummary[]> {
  const toChange = (m: RawMessage): ChangeSummary => summarize(topic, m.partition, m.offset, m.key?.toString('utf8') ?? null, m.value?.toString('utf8') ?? null)
  const messages = await readTopic(brokers, topic, {
    from: options.fromBeginning ? 'beginning' : 'end',
    limit: options.limit,
    idleMs: options.idleMs,
    onMessage: options.onMessage ? (m) => options.onMessage?.(toChange(m)) : undefined,
  })
  return messages.map(toChange)
}
