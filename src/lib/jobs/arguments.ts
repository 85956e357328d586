import {type ArgumentSpec, jobArguments, type Provided} from '../catalog'
import {usageError} from '../errors'

/**
 * `--arg key=value` pairs (repeatable), checked against the job's catalog arguments: an unknown key, a
 * value the target provides, a value outside `choices`, not of its `type` or below its `minimum` is a
 * usage error, never dropped.
 */
export function parseJobArgs(job: string, pairs: string[]): Record<string, string> {
  const specs = jobArguments(job)
  const own = Object.entries(specs).filter(([, s]) => !s.provided).map(([k]) => k)
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw usageError(`--arg ${pair} is not key=value`, [`e.g. --arg ${own[0] ?? 'key'}=value`])
    const key = pair.slice(0, eq).replace(/^-+/, '')
    const value = pair.slice(eq + 1)
    const spec = specs[key]
    if (!spec) throw usageError(`Job ${job} has no argument "${key}"`, [`use one of: ${own.join(', ')}`])
    if (spec.provided) throw usageError(`Argument "${key}" of ${job} is set by the target, not by --arg`, ['leave it out'])
    const problem = invalid(spec, value)
    if (problem) throw usageError(`--arg ${key}=${value} ${problem}`, [`--arg ${key}=${spec.choices?.[0] ?? spec.default ?? '…'}`])
    out[key] = value
  }
  return out
}

function invalid(spec: ArgumentSpec, value: string): string | undefined {
  if (spec.choices && !spec.choices.includes(value)) return `is not one of ${spec.choices.join(', ')}`
  // a real calendar date: 2026-02-30 is not one
  if (spec.type === 'date' && !(/^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value))) return 'is not a date (YYYY-MM-DD)'
  if (spec.type === 'integer' || spec.type === 'number') {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) return `is not ${spec.type === 'integer' ? 'an integer' : 'a number'}`
    if (spec.minimum !== undefined && n < spec.minimum) return `is below the minimum ${spec.minimum}`
  }
  return undefined
}

/**
 * A job's full argument list on a target: the catalog's defaults for that target, then what the
 * target provides (only the kinds the job declares), then the caller's own arguments.
 */
export function argumentsFor(job: string, target: 'aws' | 'local', provided: Partial<Record<Provided, string>>, args: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, spec] of Object.entries(jobArguments(job))) {
    const value = spec.provided ? provided[spec.provided] : (spec[target] ?? spec.default)
    if (value !== undefined) out[key] = value
  }
  return {...out, ...args}
}
