import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import Ajv from 'ajv'

export const ROOT = resolve(__dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** The arguments it ran with: the command id for the schema check. */
  args: string[]
}

/** Run a command to its end (killed after timeoutMs), collecting what it prints; `onStart` sees the child. */
export function runCollected(cmd: string, argv: string[], args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number}, onStart?: (child: ChildProcess, fail: (error: Error) => void) => void): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, {cwd: options.cwd ?? ROOT, env: {...process.env, ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d) => (stdout += d))
    child.stderr?.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({code: code ?? -1, stdout, stderr, args})
    })
    onStart?.(child, reject)
  })
}

/** Run the built cdcctl (this checkout's, or `bin`) as a user would, in a child process. */
export function cdcctl(args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; bin?: string} = {}): Promise<CliResult> {
  return runCollected(process.execPath, [options.bin ?? BIN, ...args], args, options)
}

const ajv = new Ajv({allErrors: true, strict: false})
const validators = new Map<string, ReturnType<typeof ajv.compile>>()
const ERROR_KEYS = ['actions', 'code', 'message', 'status', 'warnings']

/** The command a CLI call ran (`job run`), by the checked-in schema its words name. */
function commandId(args: string[]): string | undefined {
  const words = args.filter((a) => /^[a-z]+$/.test(a))
  return [words.slice(0, 2).join(' '), words[0]].find((id) => id && existsSync(join(ROOT, 'schemas', `${id.replace(/ /g, '-')}.json`)))
}

/**
 * stdout of a --json call, parsed and held to the contract: the envelope's status equals the exit
 * status, an error has its one shape, and a result validates against the command's checked-in schema.
 */
export function json<T = {status: number; result: unknown}>(res: CliResult): T {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(res.stdout) as Record<string, unknown>
  } catch {
    throw new Error(`stdout is not JSON (exit ${res.code}):\n${res.stdout}\nstderr:\n${res.stderr}`)
  }
  if (parsed.status !== res.code) throw new Error(`envelope status ${String(parsed.status)} but exit status ${res.code}: ${res.stdout.slice(0, 500)}`)
  if (!('result' in parsed)) {
    if (JSON.stringify(Object.keys(parsed).sort()) !== JSON.stringify(ERROR_KEYS)) throw new Error(`error envelope keys ${Object.keys(parsed).join(',')}: ${res.stdout.slice(0, 500)}`)
    return parsed as T
  }
  const id = commandId(res.args)
  if (!id) throw new Error(`no checked-in schema for cdcctl ${res.args.join(' ')}`)
  if (!validators.has(id)) validators.set(id, ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', `${id.replace(/ /g, '-')}.json`), 'utf8')) as object))
  const validate = validators.get(id) as ReturnType<typeof ajv.compile>
  if (!validate(parsed.result)) throw new Error(`cdcctl ${id} --json result does not match schemas/${id.replace(/ /g, '-')}.json: ${ajv.errorsText(validate.errors)}`)
  return parsed as T
}

/** A one-line error: "Error: ..." plus at most a "Try: ..." line, and no stack frames. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('Warning:'))
  return lines.length >= 1 && lines.length <= 2 && lines[0].startsWith('Error: ') && (lines.length === 1 || lines[1].startsWith('Try: ')) && !/\n\s+at /.test(stderr)
}
