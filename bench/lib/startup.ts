/**
 * A local job's start-up: bench/startup.py under spark-submit, built exactly as `cdcctl job run`
 * builds a job's command (src/lib/spark.ts), cold (no class-data archive) and with the archive the
 * first run writes. Seconds from the command's start to the end of build_session's first query.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {sparkSubmitCommand} from '../../src/lib/spark'
import {load1, type Sample} from './common'

export interface StartupMarks {
  python: number
  pyspark_import: number
  session: number
  first_query: number
}

export function startupRun(cacheDir: string | undefined): {sample: Sample; marks: StartupMarks} {
  const root = mkdtempSync(join(tmpdir(), 'cdcctl-bench-startup-'))
  try {
    const {cmd, argv, env, archive} = sparkSubmitCommand(join('..', 'bench', 'startup.py'), {}, cacheDir, `bench${Date.now()}`)
    const i = argv.findIndex((a) => a.endsWith('startup.py'))
    argv.splice(i + 1, 0, `file://${root}`)
    const out = execFileSync(cmd, argv, {env: {...env, CDC_BENCH_T0: String(Date.now() / 1000)}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 2 ** 20})
    if (archive) execFileSync('bash', ['-c', 'if [ -s "$1" ]; then mv -n "$1" "$2"; fi; rm -f "$1"', 'x', archive.tmp, archive.final])
    const marks = JSON.parse(out.trim().split('\n').pop() as string) as StartupMarks
    return {sample: {value: marks.first_query, load1: load1(), note: `python ${marks.python}s, pyspark ${marks.pyspark_import}s, session ${marks.session}s`}, marks}
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}
