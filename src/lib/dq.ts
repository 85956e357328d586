import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {CdcError, EXIT, firstLine, usageError} from './errors'
import {notify, type NotifyResult} from './notify'
import type {JobRun} from './jobs/types'
import {waitForRun} from './jobs/wait'
import {localCredentialsFile} from './local/credentials'
import {PACKAGE_ROOT} from './paths'
import {type ObjectStore, readText} from './storage'
import type {Target} from './targets/types'

export const DEFAULT_RULES_FILE = join(PACKAGE_ROOT, 'dq', 'rules.yaml')
export const RESULTS_PREFIX = 'dq/results/'

export type RuleStatus = 'error' | 'fail' | 'pass' | 'warn'

/** One rule's outcome, as glue-jobs/data_quality.py writes it. */
export interface RuleResult {
  name: string
  type: string
  table: string
  severity: 'fail' | 'warn'
  status: RuleStatus
  observed: unknown
  expected: unknown
  sample_keys: unknown[]
  message: string
}

/** {root}/dq/results/<run id>.json */
export interface DqReport {
  run_id: string
  started_at: string
  finished_at: string
  passed: boolean
  rules: RuleResult[]
}

export interface RulesSummary {
  file: string
  rules: number
  tables: string[]
  types: string[]
}

export interface DqSelection {
  rulesFile?: string
  tables: string[]
  only: string[]
}

/**
 * Validate a rules file without Spark (python -m cdc_lake.dq.rules --validate): a typo is a one-line
 * usage error with the file and line number, before any job is started.
 */
export async function validateRules(selection: DqSelection): Promise<RulesSummary> {
  const file = resolve(selection.rulesFile ?? DEFAULT_RULES_FILE)
  if (!existsSync(file)) throw usageError(`Rules file ${file} does not exist`, ['pass --rules FILE', `see ${DEFAULT_RULES_FILE}`])
  const python = join(PACKAGE_ROOT, '.venv', 'bin', 'python')
  if (!existsSync(python)) throw new CdcError('The Python runtime is not installed (.venv/bin/python is missing)', {code: 'RUNTIME_MISSING', exit: EXIT.usage, actions: ['npm run bootstrap']})
  const argv = ['-m', 'cdc_lake.dq.rules', '--validate', file, '--table', selection.tables.join(','), '--only', selection.only.join(',')]
  const env = {...process.env, PYTHONPATH: join(PACKAGE_ROOT, 'glue-jobs')}
  return new Promise((done, fail) => {
    execFile(python, argv, {env, timeout: 60_000}, (error, stdout, stderr) => {
      if (!error) {
        done({...(JSON.parse(firstLine(stdout)) as RulesSummary), file})
        return
      }
      const message = firstLine(stderr || error.message).replace(/^error: /, '')
      if (error.code === 2) fail(usageError(message, [`fix ${file}`, 'see dq/rules.schema.json']))
      else fail(new CdcError(`Could not validate ${file}: ${message}`, {code: 'DQ_VALIDATE_FAILED', exit: EXIT.usage, actions: ['npm run bootstrap']}))
    })
  })
}

/** The job arguments for a target: where the rules and the source database credentials come from. */
async function jobArgs(target: Target, rulesFile: string, selection: DqSelection): Promise<Record<string, string>> {
  const {profile} = target
  const args: Record<string, string> = {'storage-root': profile.storage.root}
  if (selection.tables.length > 0) args.table = selection.tables.join(',')
  if (selection.only.length > 0) args.only = selection.only.join(',')
  if (target.name === 'local') {
    args.rules = rulesFile
    args['db-credentials-file'] = localCredentialsFile(profile.stateDir)
    Object.assign(args, {'db-host': profile.postgres.host, 'db-port': String(profile.postgres.port), 'db-name': profile.postgres.database, 'db-user': profile.postgres.user})
  } else {
    // Glue reads the rules from the storage root; content-addressed, so a re-upload changes nothing.
    const text = readFileSync(rulesFile)
    const key = `dq/rules/${createHash('sha256').update(text).digest('hex').slice(0, 16)}.yaml`
    await target.store().write(key, text)
    args.rules = `${profile.storage.root.replace(/\/$/, '')}/${key}`
    args.catalog = 'glue'
    args.region = profile.region
    args['db-secret-name'] = profile.postgres.secretName
  }
  return args
}

export async function readReport(store: ObjectStore, runId: string): Promise<DqReport | null> {
  const key = `${RESULTS_PREFIX}${runId}.json`
  if (!(await store.exists(key))) return null
  return JSON.parse(await readText(store, key)) as DqReport
}

export interface DqRun {
  run: JobRun
  report: DqReport
}

/** Start the data-quality job, wait for it and read its report back from the storage root. */
export async function runDataQuality(target: Target, selection: DqSelection, timeoutSec: number, onUpdate: (run: JobRun) => void): Promise<DqRun> {
  const rulesFile = resolve(selection.rulesFile ?? DEFAULT_RULES_FILE)
  const runner = target.jobs()
  const started = await runner.start('data-quality', await jobArgs(target, rulesFile, selection))
  const run = await waitForRun(runner, 'data-quality', started.runId, timeoutSec, onUpdate)
  const report = await readReport(target.store(), run.runId)
  if (report) return {run, report}
  const code = typeof run.summary?.code === 'string' ? run.summary.code : 'DQ_JOB_FAILED'
  const usage = code === 'MISSING_TABLE' || code === 'RULES_INVALID'
  throw new CdcError(`Data-quality run ${run.runId} ${run.state}: ${run.error ?? 'it wrote no report'}`, {
    code,
    exit: usage ? EXIT.usage : EXIT.failed,
    actions: usage ? ['fix the table names in the rules file', 'cdcctl job run bronze-to-silver'] : [`cdcctl job logs data-quality ${run.runId}`],
  })
}

/** The rules that fail a check: severity fail, and failed or could not be evaluated. */
export function failingRules(rules: RuleResult[]): RuleResult[] {
  return rules.filter((r) => r.severity === 'fail' && (r.status === 'fail' || r.status === 'error'))
}

/** On aws, a failing check goes to the SNS alerts topic, through the same path as `cdcctl notify`. */
export async function publishFailure(target: Target, report: DqReport): Promise<NotifyResult> {
  const failing = failingRules(report.rules)
  const message = {
    source: 'cdcctl dq check',
    profile: target.profile.name,
    run_id: report.run_id,
    finished_at: report.finished_at,
    failing: failing.map((r) => ({name: r.name, table: r.table, status: r.status, message: r.message, sample_keys: r.sample_keys})),
  }
  return notify(target, {status: 'failure', subject: `cdcctl: ${failing.length} data-quality rule(s) failed`, message: JSON.stringify(message, null, 2)})
}

/** Rule counts by status; `ok` counts passing rules (a key named pass* would be redacted as a secret). */
export interface StatusCounts {
  ok: number
  fail: number
  warn: number
  error: number
}

export interface DqHistoryEntry {
  runId: string
  startedAt: string
  finishedAt: string
  ok: boolean
  counts: StatusCounts
  failing: string[]
}

export function countStatuses(rules: RuleResult[]): StatusCounts {
  const counts: StatusCounts = {ok: 0, fail: 0, warn: 0, error: 0}
  for (const r of rules) counts[r.status === 'pass' ? 'ok' : r.status] += 1
  return counts
}

/** Past reports under {root}/dq/results/, newest first. */
export async function listReports(store: ObjectStore, limit: number): Promise<DqHistoryEntry[]> {
  const objects = []
  for await (const o of store.list(RESULTS_PREFIX)) if (o.key.endsWith('.json')) objects.push(o)
  objects.sort((a, b) => b.modified.getTime() - a.modified.getTime())
  const entries: DqHistoryEntry[] = []
  for (const o of objects.slice(0, limit)) {
    const report = JSON.parse(await readText(store, o.key)) as DqReport
    entries.push({
      runId: report.run_id,
      startedAt: report.started_at,
      finishedAt: report.finished_at,
      ok: report.passed,
      counts: countStatuses(report.rules),
      failing: failingRules(report.rules).map((r) => r.name),
    })
  }
  return entries.sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}
