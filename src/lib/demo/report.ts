import {spawn} from 'node:child_process'

import {CdcError} from '../errors'
import {sparkSubmitCommand} from '../spark'

export interface LakeReport {
  gold: Record<string, Record<string, unknown>[]>
  history: Record<string, unknown>[]
}

/** The gold tables and one key's SCD2 history, read from the lake by glue-jobs/lake_report.py. */
export async function lakeReport(storageRoot: string, table: string, key: string): Promise<LakeReport> {
  const {cmd, argv, env} = sparkSubmitCommand('lake_report.py', {'storage-root': storageRoot, table, key})
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, argv, {env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new CdcError(`Reading the lake failed: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`, {code: 'REPORT_FAILED'}))))
  })
  return JSON.parse(out.trim().split('\n').pop() as string) as LakeReport
}
