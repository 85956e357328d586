import {createInterface} from 'node:readline/promises'

import {usageError} from './errors'

export interface ConfirmRequest {
  /** What is about to happen, as a sentence start: "Delete connector cdc-postgres". */
  action: string
  /** For destructive actions: the name to type (or to pass with --confirm); `--yes` does not answer it. */
  name?: string
  /** --yes was given (answers a yes/no question). */
  yes?: boolean
  /** The value of --confirm, when given. */
  confirmed?: string
  /** The flag that answers without a terminal, as the user types it. */
  flag: string
  /** No question may be asked (--json): the flag is required. */
  noPrompt?: boolean
}

export const interactive = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY)

/** Without a terminal (or under --json) the flag must answer; say so before any work starts. */
export function requireAnswerable(r: ConfirmRequest): void {
  if (answeredByFlags(r) || (interactive() && !r.noPrompt)) return
  throw usageError(`${r.action} needs a confirmation and there is no terminal to ask on`, [`pass ${r.flag}`])
}

function answeredByFlags(r: ConfirmRequest): boolean {
  if (r.name !== undefined) {
    if (r.confirmed !== undefined && r.confirmed !== r.name) throw usageError(`--confirm ${r.confirmed} does not match "${r.name}"`, [`--confirm ${r.name}`])
    return r.confirmed === r.name
  }
  return Boolean(r.yes)
}

/**
 * The one confirmation of every command that changes or deletes something: --confirm NAME (by name,
 * for destructive actions) or --yes, else a question on the terminal (stderr, so stdout stays the
 * result), else refusal. A refusal is a usage error (exit 2) and nothing has changed.
 */
export async function confirm(r: ConfirmRequest): Promise<void> {
  requireAnswerable(r)
  if (answeredByFlags(r)) return
  const question = r.name === undefined ? `${r.action}? [y/N] ` : `${r.action}. Type ${r.name} to confirm: `
  const rl = createInterface({input: process.stdin, output: process.stderr})
  let answer: string
  try {
    answer = (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
  const yes = r.name === undefined ? /^y(es)?$/i.test(answer) : answer === r.name
  if (!yes) throw usageError(`${r.action}: cancelled, nothing changed`, [`pass ${r.flag} to confirm without a question`])
}
