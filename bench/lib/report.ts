/**
 * bench/RESULTS.md from bench/results.json: the machine, each figure (median, min-max, spread, the
 * load average of every sample) next to its target, the connector's tuning ladder, and what limits
 * each figure that misses its target (bench/NOTES.md, written by hand, is appended as it is).
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Figure} from './common'
import {ROOT} from './common'

interface Results {
  machine: Record<string, unknown>
  figures: Record<string, Figure>
  tuning: Record<string, {step: string; figure: Figure}[]>
  notes: Record<string, string>
  updated: Record<string, string>
  measuredOn: Record<string, string>
}

type Check = (f: Record<string, Figure>) => {target: string; met: boolean | null}

const v = (f: Record<string, Figure>, k: string): number | undefined => f[k]?.median

const TARGETS: Record<string, Check> = {
  pg_to_kafka_changes_per_s: (f) => ({target: '>= 25,000/s and >= 10 % of the decoding ceiling', met: v(f, 'pg_to_kafka_changes_per_s') === undefined ? null : (v(f, 'pg_to_kafka_changes_per_s') as number) >= 25_000 && (v(f, 'pg_to_kafka_share_of_ceiling') ?? 0) >= 0.1}),
  bronze_records_per_s: (f) => ({target: ">= 20,000/s and >= the Iceberg sink's", met: v(f, 'bronze_records_per_s') === undefined ? null : (v(f, 'bronze_records_per_s') as number) >= 20_000 && (v(f, 'bronze_records_per_s') as number) >= (v(f, 'iceberg_sink_records_per_s') ?? 0)}),
  bronze_records_per_s_600k: (f) => ({target: ">= the Iceberg sink's (600k)", met: v(f, 'bronze_records_per_s_600k') === undefined || v(f, 'iceberg_sink_records_per_s_600k') === undefined ? null : (v(f, 'bronze_records_per_s_600k') as number) >= (v(f, 'iceberg_sink_records_per_s_600k') as number)}),
  silver_changes_per_s: (f) => ({target: '>= 10,000/s (100k changes)', met: v(f, 'silver_changes_per_s') === undefined ? null : (v(f, 'silver_changes_per_s') as number) >= 10_000}),
  silver_scale_ratio_1m_vs_10k: (f) => ({target: '<= 2', met: v(f, 'silver_scale_ratio_1m_vs_10k') === undefined ? null : (v(f, 'silver_scale_ratio_1m_vs_10k') as number) <= 2}),
  freshness_p95_s: (f) => ({target: '<= trigger interval (5 s) + 5 s', met: v(f, 'freshness_p95_s') === undefined ? null : (v(f, 'freshness_p95_s') as number) <= 10}),
  job_startup_s: (f) => ({target: '<= 5 s (with a warm session)', met: v(f, 'job_startup_s') === undefined ? null : (v(f, 'job_startup_s') as number) <= 5}),
  dlq_replay_records_per_s: (f) => ({target: '>= 20,000/s', met: v(f, 'dlq_replay_records_per_s') === undefined ? null : (v(f, 'dlq_replay_records_per_s') as number) >= 20_000}),
  dlq_peak_rss_mib: (f) => ({target: '< 256 MiB', met: v(f, 'dlq_peak_rss_mib') === undefined ? null : (v(f, 'dlq_peak_rss_mib') as number) < 256}),
  cli_help_vs_node: (f) => ({target: '<= 3', met: v(f, 'cli_help_vs_node') === undefined ? null : (v(f, 'cli_help_vs_node') as number) <= 3}),
}

const num = (x: number): string => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 1000) / 1000))

export function writeReport(r: Results): void {
  const lines: string[] = []
  lines.push('# Benchmark results', '', 'Written by `npm run bench` (bench/run.ts) from `bench/results.json`; do not edit by hand — the analysis is in `bench/NOTES.md`, appended below.', '')
  lines.push('## Machine', '', 'Of the latest run; each figure names the CPU it was measured on.', '', '| | |', '|---|---|')
  for (const [k, x] of Object.entries(r.machine)) lines.push(`| ${k} | ${typeof x === 'object' ? JSON.stringify(x) : String(x)} |`)
  lines.push('', '## Figures', '', 'Median of the runs, min–max, spread ((max − min) / median), and the 1-minute load average at each sample (2 cores; other engineers\' jobs share them).', '')
  lines.push('| figure | median | unit | min – max | spread | samples (value @ load) | target | met | measured on |', '|---|---:|---|---|---:|---|---|---|---|')
  for (const [k, f] of Object.entries(r.figures)) {
    const t = TARGETS[k]?.(r.figures)
    const samples = f.samples.map((s) => `${num(s.value)} @ ${s.load1}${s.note ? ` (${s.note})` : ''}`).join('; ')
    lines.push(`| \`${k}\` | ${num(f.median)} | ${f.unit} | ${num(f.min)} – ${num(f.max)} | ${f.spread} | ${samples} | ${t?.target ?? ''} | ${t ? (t.met === null ? '' : t.met ? 'yes' : '**no**') : ''} | ${r.measuredOn[k] ?? ''} ${(r.updated[k] ?? '').slice(0, 10)} |`)
  }
  for (const [name, steps] of Object.entries(r.tuning)) {
    lines.push('', `## Tuning ladder: ${name}`, '', 'Each step adds one change to the one above, on the same workload in the same run.', '', '| step | median | samples (value @ load) | vs. step before |', '|---|---:|---|---:|')
    steps.forEach((s, i) => {
      const before = i > 0 ? steps[i - 1].figure.median : undefined
      lines.push(`| ${s.step} | ${num(s.figure.median)} ${s.figure.unit} | ${s.figure.samples.map((x) => `${num(x.value)} @ ${x.load1}`).join('; ')} | ${before ? `${(s.figure.median / before).toFixed(2)}×` : ''} |`)
    })
  }
  if (Object.keys(r.notes).length > 0) {
    lines.push('', '## Run notes', '')
    for (const [k, n] of Object.entries(r.notes)) lines.push(`- ${k}: ${n}`)
  }
  const notes = join(ROOT, 'bench', 'NOTES.md')
  if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trim())
  writeFileSync(join(ROOT, 'bench', 'RESULTS.md'), lines.join('\n') + '\n')
}
