/**
 * DLQ replay as an operator runs it: N dead-letter records written to a throwaway storage root, then
 * `cdcctl dlq replay` (the built CLI, its own process) republishes them to a fresh topic on the local
 * broker. Records per second from the command's wall time, and its peak RSS (/usr/bin/time).
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {withAdmin} from '../../src/lib/kafka'
import {openStore} from '../../src/lib/storage'
import {dlqRecords, jsonl} from '../../test/helpers/dlq'
import {type Ctx, load1, ROOT, type Sample} from './common'

export async function dlqReplayRun(ctx: Ctx, total: number): Promise<{rate: Sample; rss: Sample}> {
  const perFile = 10_000
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-bench-dlq-'))
  const store = openStore(`file://${dir}`, ctx.profile.region)
  const topic = `bench-dlq-${Date.now()}`
  const brokers = ctx.target.kafkaBrokers()
  await withAdmin(brokers, (admin) => admin.createTopics({waitForLeaders: true, topics: [{topic, numPartitions: 3}]}))
  try {
    for (let first = 0; first < total; first += perFile) {
      await store.write(`dlq/bronze/dt=2026-11-25/batch-${String(first / perFile).padStart(10, '0')}-bench.jsonl`, jsonl(dlqRecords(topic, Math.min(perFile, total - first), first)))
    }
    const t = process.hrtime.bigint()
    const res = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin', 'run.js'), 'dlq', 'replay', '--yes', '--json'], {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env: {...process.env, CDCCTL_STORAGE_ROOT: `file://${dir}`},
    })
    const sec = Number(process.hrtime.bigint() - t) / 1e9
    if (res.status !== 0) throw new Error(`dlq replay exited ${res.status}: ${res.stderr.trim().split('\n').slice(-2).join(' ')}`)
    const sent = (JSON.parse(res.stdout) as {result: {sent: number}}).result.sent
    if (sent !== total) throw new Error(`dlq replay sent ${sent} of ${total} records`)
    const rssMib = Number(res.stderr.trim().split('\n').pop()) / 1024
    const load = load1()
    return {rate: {value: sent / sec, load1: load, note: `${sent} records in ${sec.toFixed(1)}s`}, rss: {value: rssMib, load1: load}}
  } finally {
    await withAdmin(brokers, (admin) => admin.deleteTopics({topics: [topic]})).catch(() => undefined)
    rmSync(dir, {recursive: true, force: true})
  }
}
