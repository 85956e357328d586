import type {Profile} from '../config'
import type {DbCredentials} from '../targets/types'

export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector'
export const TOPIC_PREFIX = 'cdc'
export const SIGNAL_TABLE = 'public.debezium_signal'
export const HEARTBEAT_TABLE = 'public.debezium_heartbeat'

/** `cdc.db.<table>` for a captured table name like `public.users`. */
export const topicFor = (table: string): string => `${TOPIC_PREFIX}.db.${table.split('.').pop()}`

/**
 * The Debezium Postgres connector configuration for a target (ARCHITECTURE.md §3):
 * pgoutput, slot dbz_*, publication dbz_publication, JSON without schemas, topics cdc.db.<table>.
 */
export function buildConnectorConfig(profile: Profile, db: DbCredentials): Record<string, string> {
  const {slot, publication, tables} = profile.connect
  return {
    'connector.class': POSTGRES_CONNECTOR_CLASS,
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': db.host,
    'database.port': String(db.port),
    'database.user': db.username,
    'database.password': db.password,
    'database.dbname': db.database,
    'topic.prefix': TOPIC_PREFIX,
    'slot.name': slot,
    'publication.name': publication,
    // filtered: the publication holds exactly the captured tables, created by the connector.
    'publication.autocreate.mode': 'filtered',
    'table.include.list': [...tables, SIGNAL_TABLE].join(','),
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
    'heartbeat.action.query': `INSERT INTO ${HEARTBEAT_TABLE} (id, ts) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts`,
    // Incremental snapshots (cdcctl connector snapshot) are requested through the signal table.
    'signal.enabled.channels': 'source',
    'signal.data.collection': `${profile.postgres.database}.${SIGNAL_TABLE}`,
    'incremental.snapshot.chunk.size': '1024',
    'topic.creation.default.partitions': String(profile.kafka.partitions),
    'topic.creation.default.replication.factor': String(profile.kafka.replicationFactor),
    // cdc.public.users -> cdc.db.users
    transforms: 'route',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': `${TOPIC_PREFIX}\\.public\\.(.*)`,
    'transforms.route.replacement': `${TOPIC_PREFIX}.db.$1`,
  }
}

export const SLOT_NAME = /^dbz_[a-z0-9_]{1,59}$/
