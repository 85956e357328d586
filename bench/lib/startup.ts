/**
 * A local job's start-up: bench/startup.py run as `cdcctl job run` runs a job (src/lib/spark.ts),
 * cold (no class-data archive), cold with the archive the first run writes, and handed to a warm
 * driver (src/lib/local/warm-driver.ts) that has finished starting. Seconds from the run being asked
 * for (the command's start, or the claim) to the end of build_session's first query.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {stopIdleDrivers, WarmDrivers} from '../../src/lib/local/warm-driver'
import {sparkSubmitCommand, spawnSubmit} from '../../src/lib/spark'
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

export async function startupRun(cacheDir: string | undefined): Promise<{sample: Sample; marks: StartupMarks}> {
  const root = mkdtempSync(join(tmpdir(), 'cdcctl-bench-startup-'))
  try {
    const submit = sparkSubmitCommand(SCRIPT, {'storage-root': `file://${root}`, t0: String(Date.now() / 1000)}, cacheDir, `bench${Date.now()}`)
    // started as a cold `cdcctl job run` starts its spark-submit, which keeps the class-data archive it writes
    const log = join(root, 'run.log')
    const exit = join(root, 'run.exit')
    spawnSubmit(submit, log, exit)
    await until('the run', () => existsSync(exit), 600_000)
    if (readFileSync(exit, 'utf8').trim() !== '0') throw new Error(`start-up run failed:\n${readFileSync(log, 'utf8').slice(-2000)}`)
    const marks = lastJson(readFileSync(log, 'utf8'))
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

