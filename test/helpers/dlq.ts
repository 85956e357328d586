import type {DlqRecord} from '../../src/lib/dlq/record'

/** DLQ records as the bronze job writes them, for a topic, with offsets from `first`. */
export function dlqRecords(topic: string, n: number, first = 0, extra: Partial<DlqRecord> = {}): DlqRecord[] {
  const classes = ['MALFORMED_JSON', 'MISSING_FIELD', 'UNKNOWN_OP']
  return Array.from({length: n}, (_, i) => ({
    topic,
    partition: i % 3,
    offset: first + i,
    key: JSON.stringify({id: first + i}),
    key_encoding: 'utf8',
    value: i % 7 === 6 ? Buffer.from([0xff, 0xfe, i % 256]).toString('base64') : `{"op":"c","after":{"id":${first + i}`,
    encoding: i % 7 === 6 ? 'base64' : 'utf8',
    error_class: classes[i % 3],
    error: `${classes[i % 3]}: record ${first + i} cannot be parsed`,
    failed_at: new Date(Date.UTC(2026, 10, 24 + (i % 2), 10, 0, i % 60)).toISOString(),
    job_run_id: 'kafka-to-bronze-test',
    replay_count: 0,
    origin_topic: null,
    origin_partition: null,
    origin_offset: null,
    ...extra,
  }))
}

export const jsonl = (records: DlqRecord[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n'
