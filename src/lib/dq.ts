import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {jobTaking} from './catalog'
import {CdcError, EXIT, firstLine, usageError} from './errors'
import type {JobRun} from './jobs/types'
import {waitForRun} from './jobs/wait'
import type {NotifyResult} from './notify'
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

/** The data-quality job's own arguments: the rules file (staged by the target) and the selection. */
async function jobArgs(target: Target, rulesFile: string, selection: DqSelection): Promise<Record<string, string>> {
  const args: Record<string, string> = {rules: await target.stageRules(rulesFile)}
  if (selection.tables.length > 0) args.table = selection.tables.join(',')
  if (selection.only.length > 0) args.only = selection.only.join(',')
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
  /** How a failing check was told to operators (the target's channel); null when it passed. */
  alert: NotifyResult | null
  /** Why a failing check could not be told (e.g. no alerts topic configured). */
  alertError: string | null
}

/**
 * Start the data-quality job, wait for it, read its report back from the storage root, and tell
 * operators through the target's channel (the run log locally, SNS on aws) when it failed.
 */
export async function runDataQuality(target: Target, selection: DqSelection, timeoutSec: number, onUpdate: (run: JobRun) => void): Promise<DqRun> {
  const rulesFile = resolve(selection.rulesFile ?? DEFAULT_RULES_FILE)
  const runner = target.jobs()
  const job = jobTaking('dq_rules')
  const started = await runner.start(job, await jobArgs(target, rulesFile, selection))
  const run = await waitForRun(runner, job, started.runId, timeoutSec, onUpdate)
  const report = await readReport(target.store(), run.runId)
  if (!report) {
    const code = typeof run.summary?.code === 'string' ? run.summary.code : 'DQ_JOB_FAILED'
    const usage = code === 'MISSING_TABLE' || code === 'RULES_INVALID'
    throw new CdcError(`Data-quality run ${run.runId} ${run.state}: ${run.error ?? 'it wrote no report'}`, {
      code,
      exit: usage ? EXIT.usage : EXIT.failed,
      actions: usage ? ['fix the table names in the rules file', 'run the jobs that write those tables first'] : [`cdcctl job logs ${job} ${run.runId}`],
    })
  }
  if (report.passed) return {run, report, alert: null, alertError: null}
  try {
    return {run, report, alert: await publishFailure(target, report), alertError: null}
  } catch (error) {
    return {run, report, alert: null, alertError: error instanceof Error ? error.message : String(error)}
  }
}

/** The rules that fail a check: severity fail, and failed or could not be evaluated. */
export function failingRules(rules: RuleResult[]): RuleResult[] {
  return rules.filter((r) => r.severity === 'fail' && (r.status === 'fail' || r.status === 'error'))
}

/** A failing check goes to operators through the same channel as `cdcctl notify`. */
function publishFailure(target: Target, report: DqReport): Promise<NotifyResult> {
  const failing = failingRules(report.rules)
  const message = {
    source: 'cdcctl dq check',
    profile: target.profile.name,
    run_id: report.run_id,
    finished_at: report.finished_at,
    failing: failing.map((r) => ({name: r.name, table: r.table, status: r.status, message: r.message, sample_keys: r.sample_keys})),
  }
  return target.notify({status: 'failure', subject: `cdcctl: ${failing.length} data-quality rule(s) failed`, message: JSON.stringify(message, null, 2)})
}

/** Rule counts by status. */
export interface StatusCounts {
  passed: number
  fail: number
  warn: number
  error: number
}

export interface DqHistoryEntry {
  runId: string
  startedAt: string
  finishedAt: string
  passed: boolean
  counts: StatusCounts
  failing: string[]
}

export function countStatuses(rules: RuleResult[]): StatusCounts {
  const counts: StatusCounts = {passed: 0, fail: 0, warn: 0, error: 0}
  for (const r of rules) counts[r.status === 'pass' ? 'passed' : r.status] += 1
  return counts
}

/** A report as the job writes it, or why it is not one. */
function parseReport(text: string): DqReport | string {
  let report: unknown
  try {
    report = JSON.parse(text)
  } catch (error) {
    return `is not JSON (${firstLine((error as Error).message)})`
  }
  const r = report as Partial<DqReport> | null
  if (typeof r !== 'object' || r === null || typeof r.run_id !== 'string' || typeof r.started_at !== 'string' || typeof r.finished_at !== 'string' || typeof r.passed !== 'boolean' || !Array.isArray(r.rules)) return 'is not a data-quality report (run_id, started_at, finished_at, passed, rules)'
  if (!r.rules.every((rule) => typeof rule === 'object' && rule !== null && ['error', 'fail', 'pass', 'warn'].includes(rule.status) && typeof rule.name === 'string')) return 'has a rule without a name or a known status'
  return r as DqReport
}

/** Past reports under {root}/dq/results/, newest first; one that cannot be read is named in a warning and skipped. */
export async function listReports(store: ObjectStore, limit: number, onWarn: (message: string) => void = () => undefined): Promise<DqHistoryEntry[]> {
  await store.checkRoot()
  const objects = []
  for await (const o of store.list(RESULTS_PREFIX)) if (o.key.endsWith('.json')) objects.push(o)
  objects.sort((a, b) => b.modified.getTime() - a.modified.getTime())
  const entries: DqHistoryEntry[] = []
  for (const o of objects) {
    if (entries.length >= limit) break
    const report = parseReport(await readText(store, o.key))
    if (typeof report === 'string') {
      onWarn(`Data-quality report ${o.key} ${report}: skipped`)
      continue
    }
    entries.push({
      runId: report.run_id,
      startedAt: report.started_at,
      finishedAt: report.finished_at,
      passed: report.passed,
      counts: countStatuses(report.rules),
      failing: failingRules(report.rules).map((r) => r.name),
    })
  }
  return entries.sort((a, b) => b.startedAt.localeCompare(a.startedAt))
}
