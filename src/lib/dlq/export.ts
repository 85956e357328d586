import {closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

import type {DlqFilter} from './record'
import type {DlqStore} from './store'

/**
 * Write the selected records to a JSONL file, each with its DLQ position (dlq_file, dlq_line) so a
 * copy corrected by hand replays in its place (`dlq replay --from-file`). Written to a temporary
 * file and renamed, so a failed export leaves no half-written file.
 */
export async function exportRecords(dlq: DlqStore, filter: DlqFilter, out: string, limit?: number): Promise<{file: string; records: number}> {
  const file = resolve(out)
  mkdirSync(dirname(file), {recursive: true})
  const tmp = `${file}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w')
  let records = 0
  try {
    for await (const {file: dlqFile, line, record} of dlq.records(filter)) {
      if (limit !== undefined && records >= limit) break
      writeSync(fd, JSON.stringify({...record, dlq_file: dlqFile, dlq_line: line}) + '\n')
      records++
    }
  } catch (error) {
    closeSync(fd)
    rmSync(tmp, {force: true})
    throw error
  }
  closeSync(fd)
  renameSync(tmp, file)
  return {file, records}
}
