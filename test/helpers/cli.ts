import {spawn} from 'node:child_process'
import {join, resolve} from 'node:path'

export const ROOT = resolve(__dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Run the built cdcctl (this checkout's, or `bin`) as a user would, in a child process. */
export function cdcctl(args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; bin?: string} = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {cwd: options.cwd ?? ROOT, env: {...process.env, ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({code: code ?? -1, stdout, stderr})
    })
  })
}

export function json<T = {status: number; result: unknown}>(res: CliResult): T {
  try {
    return JSON.parse(res.stdout) as T
  } catch {
    throw new Error(`stdout is not JSON (exit ${res.code}):\n${res.stdout}\nstderr:\n${res.stderr}`)
  }
}

/** A one-line error: "Error: ..." plus at most a "Try: ..." line, and no stack frames. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('Warning:'))
  return lines.length >= 1 && lines.length <= 2 && lines[0].startsWith('Error: ') && (lines.length === 1 || lines[1].startsWith('Try: ')) && !/\n\s+at /.test(stderr)
}
