import {usageError} from '../errors'
import {type ObjectStore, readText} from '../storage'

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
