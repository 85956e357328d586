/** Exit statuses shared by every command (ARCHITECTURE.md §4). */
export const EXIT = {ok: 0, failed: 1, usage: 2} as const

export interface CdcErrorOptions {
  /** Stable machine-readable code, e.g. CONNECT_UNREACHABLE. */
  code: string
  /** 1 = a failed check or job, 2 = usage or configuration. */
  exit?: number
  /** What the user can do next; rendered as "Try: a, or b". */
  actions?: string[]
  cause?: unknown
}

/** The one error type commands surface: a single line, a code, an exit status and suggested actions. */
export class CdcError extends Error {
  readonly code: string
  readonly exit: number
  readonly actions: string[]

  constructor(message: string, options: CdcErrorOptions) {
    super(message, {cause: options.cause})
    this.name = 'CdcError'
    this.code = options.code
    this.exit = options.exit ?? EXIT.failed
    this.actions = options.actions ?? []
  }
}

export const usageError = (message: string, actions: string[] = []): CdcError =>
  new CdcError(message, {code: 'USAGE', exit: EXIT.usage, actions})

/** The first line of any error, for messages that must stay one line. */
export function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? text
}
