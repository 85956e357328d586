import type {Admin, Kafka} from 'kafkajs'

import {CdcError, firstLine} from './errors'
import {type ChangeSummary, summarize} from './envelope'

/** kafkajs loads lazily; its own logging stays off so output remains cdcctl's. */
export async function kafkaClient(brokers: string[], clientId = 'cdcctl'): Promise<Kafka> {
  const {Kafka: KafkaCtor, logLevel} = await import('kafkajs')
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

export interface TailOptions {
  fromBeginning: boolean
  limit?: number
  /** Stop after this long without a new message (a bounded tail ends by itself). */
  idleMs?: number
  onMessage?: (change: ChangeSummary) => void
}

/**
 * Read a topic and summarize each Debezium envelope. The consumer group is a throwaway one,
 * deleted afterwards, and never commits: tailing changes no offsets a pipeline relies on.
 */
export async function tailTopic(brokers: string[], topic: string, options: TailOptions): Promise<ChangeSummary[]> {
  const kafka = await kafkaClient(brokers, 'cdcctl-tail')
  const offsets = await withAdmin(brokers, async (admin) => {
    const topics = await admin.listTopics()
    if (!topics.includes(topic)) {
      throw new CdcError(`Topic ${topic} does not exist`, {code: 'TOPIC_NOT_FOUND', actions: ['cdcctl kafka topics', 'cdcctl connector status']})
    }
    return admin.fetchTopicOffsets(topic)
  })
  const groupId = `cdcctl-tail-${process.pid}-${Date.now()}`
  const consumer = kafka.consumer({groupId})
  const seen: ChangeSummary[] = []
  try {
    await consumer.connect()
    await consumer.subscribe({topic, fromBeginning: options.fromBeginning})
    await new Promise<void>((resolve, reject) => {
      let idleTimer: NodeJS.Timeout | undefined
      const arm = (): void => {
        if (options.idleMs === undefined) return
        if (idleTimer) clearTimeout(idleTimer)
        idleTimer = setTimeout(resolve, options.idleMs)
      }
      arm()
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({partition, message}) => {
            if (options.limit !== undefined && seen.length >= options.limit) return
            const change = summarize(topic, partition, message.offset, message.key?.toString('utf8') ?? null, message.value?.toString('utf8') ?? null)
            seen.push(change)
            options.onMessage?.(change)
            if (options.limit !== undefined && seen.length >= options.limit) resolve()
            else arm()
          },
        })
        .catch(reject)
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // Without --from-beginning the tail starts at the end the admin API reported.
        if (!options.fromBeginning) for (const o of offsets) consumer.seek({topic, partition: o.partition, offset: o.high})
      })
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
