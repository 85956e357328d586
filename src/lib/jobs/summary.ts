import {usageError} from '../errors'
import {type ObjectStore, readText} from '../storage'
import type {JobRun} from './types'

/**
 * Run ids name files ({root}/jobs/<id>.json, and the local runner's records), so they hold only
 * letters, digits, `_` and `-`: Glue's are jr_<hex>, the local runner's <job>-<time>-<rand>.
 */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/

export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw usageError(`"${runId}" is not a run id (letters, digits, _ and - only)`, ['cdcctl job list shows the run ids'])
  return runId
}

/** The summary a job wrote when it ended, or null while it runs (or when it died before writing one). */
export async function readSummary(store: ObjectStore, runId: string): Promise<Record<string, unknown> | null> {
  const key = `jobs/${checkRunId(runId)}.json`
  if (!(await store.exists(key))) return null
  try {
    return JSON.parse(await readText(store, key)) as Record<string, unknown>
  } catch {
    return null
  }
}

/** The warnings a run's summary carries (a dropped source column, a type kept as text…), for the CLI to pass on. */
export function summaryWarnings(run: JobRun): string[] {
  const warnings = run.summary?.warnings
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : []
}
