import {catalog} from '../catalog'
import type {Profile} from '../config'

export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector'

/** The connector's bookkeeping tables, `<schema>.<table>`. */
export const signalTable = (): string => `${catalog().source.schema}.${catalog().source.signal_table}`
export const heartbeatTable = (): string => `${catalog().source.schema}.${catalog().source.heartbeat_table}`

/**
 * The Debezium Postgres connector configuration for a target (ARCHITECTURE.md §3): pgoutput, slot
 * dbz_*, publication dbz_publication, JSON without schemas, topics <topic_prefix>.<table>. `database`
 * holds the database.* settings from Target.connectorDatabase(): config-provider references for
 * every secret, so the stored config never holds one.
 */
export function buildConnectorConfig(profile: Profile, database: Record<string, string>): Record<string, string> {
  const {slot, publication, tables} = profile.connect
  const {source} = catalog()
  // Debezium names topics <topic.prefix>.<schema>.<table>; the router renames them to the catalog's.
  const serverName = source.topic_prefix.split('.')[0]
  return {
    'connector.class': POSTGRES_CONNECTOR_CLASS,
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    ...database,
    'topic.prefix': serverName,
    'slot.name': slot,
    'publication.name': publication,
    // The publication is made (and kept to the catalog's tables) by the database's admin before
    // registration (src/lib/db-roles.ts): Debezium's own role owns no table, so it may not make one.
    'publication.autocreate.mode': 'disabled',
    'table.include.list': [...tables, signalTable()].join(','),
    'snapshot.mode': 'initial',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    // Exact decimals as strings ("19.99"): doubles would lose cents, bytes are unreadable in JSON.
    'decimal.handling.mode': 'string',
    'tombstones.on.delete': 'true',
    // Heartbeats let an idle database confirm its LSN, so the slot does not pin WAL.
    'heartbeat.interval.ms': '10000',
    'heartbeat.action.query': `INSERT INTO ${heartbeatTable()} (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts`,
    // Incremental snapshots (cdcctl connector snapshot) are requested through the signal table, named
    // <schema>.<table> for Postgres: with the database in front, Debezium ignored every signal.
    'signal.enabled.channels': 'source',
    'signal.data.collection': signalTable(),
    'incremental.snapshot.chunk.size': '1024',
    // Throughput (bench/RESULTS.md, "Postgres -> Kafka"): bigger batches from the streaming thread,
    // which is the bottleneck, and a queue that holds several of them but stays bounded in bytes.
    'max.batch.size': '8192',
    'max.queue.size': '32768',
    'max.queue.size.in.bytes': String(128 * 1024 * 1024),
    'poll.interval.ms': '50',
    // The connector's own producer (Connect allows client overrides by default since Kafka 3.0), so
    // the ECS worker and the local one send alike: fuller batches, compressed.
    'producer.override.linger.ms': '20',
    'producer.override.batch.size': String(512 * 1024),
    'producer.override.compression.type': 'lz4',
    'topic.creation.default.partitions': String(profile.kafka.partitions),
    'topic.creation.default.replication.factor': String(profile.kafka.replicationFactor),
    transforms: 'route',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': `${serverName.replace(/\./g, '\\.')}\\.${source.schema}\\.(.*)`,
    'transforms.route.replacement': `${source.topic_prefix}.$1`,
  }
}

export const SLOT_NAME = /^dbz_[a-z0-9_]{1,59}$/

/** Every database setting as `${env:NAME}`: a Connect worker whose environment holds them (ECS, the compose stack). */
export const secretEnvReferences = (): Record<string, string> =>
  Object.fromEntries(Object.entries(catalog().connect.secret_env).map(([property, {env}]) => [property, `\${env:${env}}`]))
