import {spawn, spawnSync, type SpawnSyncOptions} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {dirname} from 'node:path'

import {CdcError, firstLine} from '../errors'
import {poll} from '../poll'

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0

/**
 * Run a command to completion; throws a one-line CdcError naming the step when it fails.
 * `via` is a command prefix that runs it under another identity, e.g. `['unshare', '--user', '--']`.
 */
export function run(step: string, cmd: string, args: string[], options: SpawnSyncOptions & {via?: string[]} = {}): string {
  const {via = [], ...spawnOptions} = options
  const [c, a] = via.length > 0 ? [via[0], [...via.slice(1), cmd, ...args]] : [cmd, args]
  const res = spawnSync(c, a, {encoding: 'utf8', ...spawnOptions})
  if (res.error || res.status !== 0) {
    const detail = res.error?.message ?? (String(res.stderr || res.stdout || '').trim().split('\n').pop() ?? `exit ${res.status}`)
    throw new CdcError(`${step} failed: ${firstLine(detail)}`, {code: 'LOCAL_STEP_FAILED'})
  }
  return String(res.stdout ?? '')
}

export function pidAlive(pid: number, marker?: string): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A killed child that nobody has reaped yet is a zombie: it answers signals but is gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false
  } catch {
    return false
  }
  if (!marker) return true
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)
  } catch {
    return false
  }
}

/**
 * Some live (not zombie) process of process group `pgid` carries `marker` in its command line: a
 * leader may be gone while its children still run. The marker keeps a recycled pid (pid_max is
 * often 32768, and a busy machine wraps it in minutes) from passing for the group.
 */
export function groupAlive(pgid: number, marker: string): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(pgrp) === pgid && state !== 'Z' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) return true
    } catch {
      // the process ended while the list was read
    }
  }
  return false
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10)
  return Number.isFinite(pid) ? pid : undefined
}

/** Start a long-running process detached from cdcctl, its output appended to logFile. */
export function startDetached(cmd: string, args: string[], options: {logFile: string; pidFile: string; cwd?: string; env?: NodeJS.ProcessEnv}): number {
  mkdirSync(dirname(options.logFile), {recursive: true})
  mkdirSync(dirname(options.pidFile), {recursive: true})
  const fd = openSync(options.logFile, 'a')
  const child = spawn(cmd, args, {detached: true, stdio: ['ignore', fd, fd], cwd: options.cwd, env: options.env ?? process.env})
  closeSync(fd)
  child.unref()
  if (!child.pid) throw new CdcError(`Could not start ${cmd}`, {code: 'LOCAL_STEP_FAILED'})
  writeFileSync(options.pidFile, `${child.pid}\n`)
  return child.pid
}

/** SIGTERM, then SIGKILL if the process is still there after the timeout. */
export async function stopPid(pid: number, timeoutMs = 30_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  await poll(async () => pidAlive(pid), (alive) => !alive, {timeoutMs, intervalMs: 200, onTimeout: () => new Error('still running')}).catch(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  })
}

export function removeFile(path: string): void {
  rmSync(path, {force: true})
}

/** True when something already listens on the port (we bind it ourselves to find out). */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(true))
    server.once('listening', () => server.close(() => resolve(false)))
    server.listen(port, host)
  })
}
