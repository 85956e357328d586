/** Secrets never leave the process: every rendered value passes through here (ARCHITECTURE.md §4). */
export const MASK = '********'

const SECRET_KEY = /pass(word)?|secret|token|credential|private[._-]?key|access[._-]?key|api[._-]?key/i

const registered = new Set<string>()

/** Remember a secret value so it is masked wherever it appears, even inside free text. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value)
}

// Names of secrets (secretName, secretArn) are not secrets themselves.
const SECRET_REFERENCE = /(name|arn|id)$/i

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !SECRET_REFERENCE.test(key)
}

export function redactText(text: string): string {
  let out = text
  for (const secret of registered) out = out.split(secret).join(MASK)
  // URLs with inline credentials: scheme://user:password@host
  return out.replace(/(\w+:\/\/[^:/\s]+:)[^@/\s]+@/g, `$1${MASK}@`)
}

/** Deep copy with secret-named keys masked and registered secret values masked in strings. */
export function redact<T>(value: T): T {
  return walk(value, undefined) as T
}

function walk(value: unknown, key: string | undefined): unknown {
  if (value === null || value === undefined) return value
  if (key !== undefined && isSecretKey(key) && typeof value !== 'object') return MASK
  if (typeof value === 'string') return redactText(value)
  if (Array.isArray(value)) return value.map((v) => walk(v, undefined))
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, k)]))
  }
  return value
}
