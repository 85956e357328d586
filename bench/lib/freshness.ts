/**
 * Freshness under load: the streaming bronze job runs continuously (its own storage root, a
 * checkpoint starting at Kafka's end) while the seeded workload writes in the background; a probe
 * row is updated N times, one commit every `intervalMs`. Each probe's freshness is the commit time of
 * the Iceberg snapshot that made its bronze row visible minus its Postgres commit time
 * (bench/freshness_read.py). The job is stopped with `cdcctl job stop` at the end.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {topicFor} from '../../src/lib/catalog'
import {runLoad} from '../../src/lib/load/run'
import {sleep} from '../../src/lib/poll'
import {withPostgres} from '../../src/lib/postgres'
import {type Ctx, load1, log, median, ROOT, type Sample} from './common'

const cli = (args: string[], env: NodeJS.ProcessEnv): string => execFileSync(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {cwd: ROOT, env: {...process.env, ...env}, encoding: 'utf8', maxBuffer: 64 * 2 ** 20})

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]

export interface FreshnessRun {
  p50: Sample
  p95: Sample
  probes: number
  seen: number
}

export async function freshnessRun(ctx: Ctx, options: {probes: number; intervalMs: number; trigger: string; loadRate: number; seed: number}): Promise<FreshnessRun> {
  const root = mkdtempSync(join(tmpdir(), 'cdcctl-bench-fresh-'))
  const env = {CDCCTL_STORAGE_ROOT: `file://${root}`}
  const started = JSON.parse(cli(['job', 'run', 'kafka-to-bronze', '--no-wait', '--json', '--label', 'bench-freshness', '--arg', 'trigger=continuous', '--arg', `trigger-interval=${options.trigger}`, '--arg', 'starting-offsets=latest'], env)) as {result: {runId: string}}
  const runId = started.result.runId
  const loads: number[] = []
  try {
    // running once its first micro-batch committed
    const commits = join(root, 'checkpoints', 'kafka-to-bronze', 'commits')
    for (let i = 0; i < 240 && !(existsSync(commits) && readdirSync(commits).some((f) => /^\d+$/.test(f))); i++) await sleep(500)
    if (!existsSync(commits)) throw new Error(`the streaming bronze job did not commit a micro-batch within 2 minutes (cdcctl job logs kafka-to-bronze ${runId})`)
    const stop = new Promise<void>((resolve) => setTimeout(resolve, options.probes * options.intervalMs + 5000))
    // the probe row is made once the load has picked the ids it updates (its first transaction comes
    // after that): a probe made before it is the newest id, the hot end of the load's pool, and its
    // updates would count as probe commits
    let loading: () => void = () => undefined
    const picked = new Promise<void>((resolve) => (loading = resolve))
    const background = runLoad(ctx.db, {seed: options.seed, durationSec: 3600, rate: options.loadRate, maxRows: 5, shape: {rowsPerUpdate: 1, hot: 0.2}, stop, onProgress: () => loading()})
    await Promise.race([picked, background])
    const probeId = await withPostgres(ctx.db, async (c) => {
      const {rows} = await c.query<{id: string}>("INSERT INTO public.users (email, full_name) VALUES ($1, 'probe') RETURNING id", [`probe-${Date.now()}@bench.example`])
      const id = rows[0].id
      const t0 = Date.now()
      for (let i = 1; i <= options.probes; i++) {
        await c.query('UPDATE public.users SET full_name = $2, updated_at = now() WHERE id = $1', [id, `probe ${i}`])
        if (i % 100 === 0) loads.push(load1())
        const ahead = t0 + i * options.intervalMs - Date.now()
        if (ahead > 0) await sleep(ahead)
      }
      return id
    })
    const load = await background
    log(`freshness: ${options.probes} probes under ${load.transactions} background transactions (${load.changes} changes)`)
    // the last probe is in bronze after a trigger or two
    await sleep(3 * 1000 * (Number.parseInt(options.trigger, 10) || 5) + 5000)
    const out = execFileSync(join(ROOT, '.venv', 'bin', 'python'), [join(ROOT, 'bench', 'freshness_read.py'), `file://${root}`, topicFor('users'), JSON.stringify({id: Number(probeId)})], {
      cwd: ROOT, encoding: 'utf8', env: {...process.env, PYTHONPATH: join(ROOT, 'glue-jobs'), SPARK_LOCAL_IP: '127.0.0.1'}, stdio: ['ignore', 'pipe', 'ignore'],
    })
    // the insert and the probes
    const lags = (JSON.parse(out.trim().split('\n').pop() as string) as number[]).sort((a, b) => a - b)
    const load1Median = Math.round(median(loads.length ? loads : [load1()]) * 100) / 100
    return {p50: {value: percentile(lags, 50), load1: load1Median}, p95: {value: percentile(lags, 95), load1: load1Median, note: `${lags.length} of ${options.probes + 1} probe commits in bronze, max ${lags[lags.length - 1]}s`}, probes: options.probes, seen: lags.length}
  } finally {
    try {
      cli(['job', 'stop', 'kafka-to-bronze', runId, '--json'], env)
    } catch {
      // it ended already
    }
    await sleep(3000)
    rmSync(root, {recursive: true, force: true})
  }
}
