/**
 * DLQ replay throughput and peak memory: writes N dead-letter records (default 1,000,000) to a
 * throwaway local storage root, replays them all to a fresh topic on the local broker, and prints
 * records/s and peak RSS. Needs the local stack (cdcctl local up).
 *   npx ts-node --transpile-only bench/dlq-replay.ts [records]
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadProfile} from '../src/lib/config'
import {replay} from '../src/lib/dlq/replay'
import {DlqStore} from '../src/lib/dlq/store'
import {withAdmin} from '../src/lib/kafka'
import {openStore} from '../src/lib/storage'
import {dlqRecords, jsonl} from '../test/helpers/dlq'

const peakRssMb = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 1_000_000)
  const perFile = 10_000
  const profile = loadProfile({env: {}})
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-bench-dlq-'))
  const store = openStore(`file://${dir}`, profile.region)
  const topic = `bench-dlq-${Date.now()}`
  await withAdmin(profile.kafka.brokers, (admin) => admin.createTopics({waitForLeaders: true, topics: [{topic, numPartitions: 3}]}))

  let t = Date.now()
  for (let first = 0; first < total; first += perFile) {
    await store.write(`dlq/bronze/dt=2026-11-25/batch-${String(first / perFile).padStart(10, '0')}-bench.jsonl`, jsonl(dlqRecords(topic, Math.min(perFile, total - first), first)))
  }
  console.log(`wrote ${total} DLQ records in ${((Date.now() - t) / 1000).toFixed(1)}s; RSS peak so far ${peakRssMb().toFixed(0)} MiB`)

  const rssBefore = process.memoryUsage().rss / 2 ** 20
  t = Date.now()
  const result = await replay(new DlqStore(store), profile.kafka.brokers, {filter: {}, maxAttempts: 3, force: false, dryRun: false})
  const sec = (Date.now() - t) / 1000
  console.log(`replayed ${result.sent}/${result.selected} records in ${sec.toFixed(1)}s: ${Math.round(result.sent / sec)} records/s`)
  console.log(`peak RSS ${peakRssMb().toFixed(0)} MiB (RSS before replay ${rssBefore.toFixed(0)} MiB); archived ${result.archivedFiles.length} files`)
  await withAdmin(profile.kafka.brokers, (admin) => admin.deleteTopics({topics: [topic]}))
  rmSync(dir, {recursive: true, force: true})
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
