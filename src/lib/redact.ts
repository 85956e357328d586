import {inspect} from 'node:util'

/**
 * Secrets never leave the process (ARCHITECTURE.md §4). A secret is either held in a `Secret`
 * (declared where it enters: the local password file, the Secrets Manager secret, CDCCTL_DB_PASSWORD),
 * which renders as the mask wherever it is printed or serialized, or a registered value (a sensitive
 * Terraform output), masked wherever it appears in text. Nothing is masked by what its key is called.
 */
export const MASK = '********'

const registered = new Set<string>()

/** Remember a secret value so it is masked wherever it appears, even inside free text. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value)
}

/** A secret value: `reveal()` is the only way to read it; printing or serializing it shows the mask. */
export class Secret {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
    registerSecret(value)
  }

  reveal(): string {
    return this.#value
  }

  toJSON(): string {
    return MASK
  }

  toString(): string {
    return MASK
  }

  [inspect.custom](): string {
    return MASK
  }
}

export function redactText(text: string): string {
  let out = text
  for (const secret of registered) out = out.split(secret).join(MASK)
  // URLs with inline credentials: scheme://user:password@host
  return out.replace(/(\w+:\/\/[^:/\s]+:)[^@/\s]+@/g, `$1${MASK}@`)
}

/** Deep copy with every Secret masked and registered secret values masked inside strings. */
export function redact<T>(value: T): T {
  return walk(value) as T
}

function walk(value: unknown): unknown {
  if (value === null || value === undefined) return value
  if (value instanceof Secret) return MASK
  if (typeof value === 'string') return redactText(value)
  if (Array.isArray(value)) return value.map(walk)
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v)]))
  return value
}
