import {usageError} from '../errors'

/** `--arg key=value` pairs, repeatable; keys without the leading dashes. */
export function parseJobArgs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw usageError(`--arg ${pair} is not key=value`, ['e.g. --arg trigger=once'])
    out[pair.slice(0, eq).replace(/^-+/, '')] = pair.slice(eq + 1)
  }
  return out
}
