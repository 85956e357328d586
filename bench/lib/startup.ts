/**
 * A local job's start-up: bench/startup.py run as `cdcctl job run` runs a job (src/lib/spark.ts),
 * cold (no class-data archive), cold with the archive the first run writes, and handed to a warm
 * driver (src/lib/local/warm-driver.ts) that has finished starting. Seconds from the run being asked
 * for (the command's start, or the claim) to the end of build_session's first query.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {stopIdleDrivers, WarmDrivers} from '../../src/lib/local/warm-driver'
import {sparkSubmitCommand} from '../../src/lib/spark'
import {load1, ROOT, type Sample} from './common'

export interface StartupMarks {
  python: number
  pyspark_import: number
  session: number
  first_query: number
}

const SCRIPT = join(ROOT, 'bench', 'startup.py')

const sample = (marks: StartupMarks): Sample => ({value: marks.first_query, load1: load1(), note: `python ${marks.python}s, pyspark ${marks.pyspark_import}s, session ${marks.session}s`})
const lastJson = (out: string): StartupMarks => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop() as string) as StartupMarks

export function startupRun(cacheDir: string | undefined): {sample: Sample; marks: StartupMarks} {
  const root = mkdtempSync(join(tmpdir(), 'cdcctl-bench-startup-'))
  try {
    const {cmd, argv, env, archive} = sparkSubmitCommand(SCRIPT, {'storage-root': `file://${root}`, t0: String(Date.now() / 1000)}, cacheDir, `bench${Date.now()}`)
    const out = execFileSync(cmd, argv, {env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 2 ** 20})
    if (archive) execFileSync('bash', ['-c', 'if [ -s "$1" ]; then mv -n "$1" "$2"; fi; rm -f "$1"', 'x', archive.tmp, archive.final])
    const marks = lastJson(out)
    return {sample: sample(marks), marks}
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, ok: () => boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`warm start-up: ${what} not within ${timeoutMs / 1000}s`)
    await sleep(20)
  }
}

/** One run handed to a warm driver that has finished starting (with the class-data archive in `cacheDir`). */
export async function warmStartupRun(cacheDir: string): Promise<{sample: Sample; marks: StartupMarks}> {
  const root = mkdtempSync(join(tmpdir(), 'cdcctl-bench-warm-'))
  try {
    const storage = `file://${root}/lake`
    const drivers = new WarmDrivers(join(root, 'state'), cacheDir, storage)
    const started = drivers.ensure()
    if (!started) throw new Error('warm start-up: no driver was started')
    await until('the driver', () => readFileSync(started.log, 'utf8').includes(' ready\n'))
    const submit = sparkSubmitCommand(SCRIPT, {'storage-root': storage, t0: String(Date.now() / 1000)}, cacheDir, `bench${Date.now()}`)
    const driver = drivers.claim(submit)
    if (!driver) throw new Error('warm start-up: the started driver could not be claimed')
    await until('the run', () => existsSync(driver.exit))
    const marks = lastJson(readFileSync(driver.log, 'utf8'))
    return {sample: sample(marks), marks}
  } finally {
    stopIdleDrivers(join(root, 'state'))
    rmSync(root, {recursive: true, force: true})
  }
}

