/**
 * What every measurement of `npm run bench` shares: the local profile and target, the superuser's
 * connection (slots, replica identity), repeated figures with the load average beside each, and
 * child processes whose output goes to bench/out/.
 */
import {execFileSync, spawn} from 'node:child_process'
import {closeSync, createWriteStream, mkdirSync, openSync, readFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'

import {loadProfile, type Profile} from '../../src/lib/config'
import {withPostgres} from '../../src/lib/postgres'
import {Secret} from '../../src/lib/redact'
import {resolveTarget} from '../../src/lib/targets'
import type {DbCredentials, Target} from '../../src/lib/targets/types'

export const ROOT = join(__dirname, '..', '..')
export const OUT = join(ROOT, 'bench', 'out')

export interface Ctx {
  profile: Profile
  target: Target
  db: DbCredentials
  superuser: DbCredentials
}

export async function context(): Promise<Ctx> {
  const profile = loadProfile({cwd: ROOT, env: {}})
  const target = resolveTarget({cwd: ROOT, env: {}})
  const db = await target.dbCredentials()
  const {password} = JSON.parse(readFileSync(join(profile.stateDir, 'secrets', 'postgres-superuser.json'), 'utf8')) as {password: string}
  return {profile, target, db, superuser: {...db, username: 'postgres', password: new Secret(password)}}
}

export const sql = async <T extends Record<string, unknown>>(db: DbCredentials, text: string, params: unknown[] = []): Promise<T[]> =>
  withPostgres(db, async (c) => (await c.query<T>(text, params)).rows)

/** One measured value and the 1-minute load average when it was taken. */
export interface Sample {
  value: number
  load1: number
  note?: string
}

export const load1 = (): number => Math.round(loadavg()[0] * 100) / 100

export interface Figure {
  unit: string
  median: number
  min: number
  max: number
  /** (max - min) / median */
  spread: number
  samples: Sample[]
}

export function figure(unit: string, samples: Sample[]): Figure {
  const values = samples.map((s) => s.value).sort((a, b) => a - b)
  const mid = values.length % 2 ? values[(values.length - 1) / 2] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2
  const round = (v: number): number => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000)
  return {unit, median: round(mid), min: round(values[0]), max: round(values[values.length - 1]), spread: mid ? Math.round(((values[values.length - 1] - values[0]) / mid) * 1000) / 1000 : 0, samples: samples.map((s) => ({...s, value: round(s.value)}))}
}

export const log = (msg: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)} load ${load1()}] ${msg}`)

/** Run a command to completion, its output appended to bench/out/<logName>.log; rejects on a non-zero exit. */
export function runLogged(logName: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = ROOT): Promise<{code: number; ms: number}> {
  mkdirSync(OUT, {recursive: true})
  const out = createWriteStream(join(OUT, `${logName}.log`), {flags: 'a'})
  const t = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    child.stdout.pipe(out, {end: false})
    child.stderr.pipe(out, {end: false})
    child.on('error', reject)
    child.on('close', (code) => {
      out.end()
      if (code === 0) resolve({code, ms: Date.now() - t})
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code} (bench/out/${logName}.log)`))
    })
  })
}

export const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b)
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}

/**
 * A bench Python script under the venv (SPARK_LOCAL_IP on loopback): its stdout returned, its stderr
 * (Spark's log, the script's progress) written to bench/out/<logName>.log, whose last lines a failure
 * quotes.
 */
export function python(logName: string, args: string[]): string {
  mkdirSync(OUT, {recursive: true})
  const file = join(OUT, `${logName}.log`)
  const fd = openSync(file, 'w')
  try {
    return execFileSync(join(ROOT, '.venv', 'bin', 'python'), args, {cwd: ROOT, encoding: 'utf8', env: {...process.env, SPARK_LOCAL_IP: '127.0.0.1'}, stdio: ['ignore', 'pipe', fd], maxBuffer: 64 * 2 ** 20})
  } catch (error) {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')
    // a Python traceback's last line names the error; Spark's query dump follows it
    const tail = lines.findLast((l) => /^\w+(Error|Exception)\b/.test(l)) ?? lines.slice(-3).join(' | ')
    throw new Error(`${args[0].split('/').pop()} exited ${(error as {status?: number}).status ?? '?'}: ${tail} (bench/out/${logName}.log)`)
  } finally {
    closeSync(fd)
  }
}
