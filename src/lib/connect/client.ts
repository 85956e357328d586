import {CdcError, firstLine} from '../errors'
import {sleep} from '../poll'

export interface ConnectorStatus {
  name: string
  connector: {state: string; worker_id: string; trace?: string}
  tasks: {id: number; state: string; worker_id: string; trace?: string}[]
  type?: string
}

export interface ConfigValidation {
  name: string
  error_count: number
  configs: {value: {name: string; value: string | null; errors: string[]} | null}[]
}

export interface ClientOptions {
  /** Attempts for a 409 (rebalance in progress) before giving up. */
  retries?: number
  backoffMs?: number
  fetchImpl?: typeof fetch
}



/** A small client over the Kafka Connect REST API. */
export class ConnectClient {
  private readonly retries: number
  private readonly backoffMs: number
  private readonly fetchImpl: typeof fetch

  constructor(readonly baseUrl: string, options: ClientOptions = {}) {
    this.retries = options.retries ?? 6
    this.backoffMs = options.backoffMs ?? 250
    this.fetchImpl = options.fetchImpl ?? fetch
  }

  async request<T>(method: string, path: string, body?: unknown, allow: number[] = []): Promise<{status: number; body: T}> {
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}`
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        res = await this.fetchImpl(url, {
          method,
          headers: {'content-type': 'application/json', accept: 'application/json'},
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        })
      } catch (error) {
        throw new CdcError(`Kafka Connect at ${this.baseUrl} is not reachable (${describeFetchError(error)})`, {
          code: 'CONNECT_UNREACHABLE',
          actions: ['cdcctl local up', 'set connect.url in cdcctl.config.json or CDCCTL_CONNECT_URL'],
          cause: error,
        })
      }
      const text = await res.text()
      const parsed = text ? safeJson(text) : undefined
      if (res.status === 409 && attempt < this.retries) {
        // Connect answers 409 while the worker group rebalances; it settles within seconds.
        await sleep(this.backoffMs * 2 ** attempt)
        continue
      }
      if (res.ok || allow.includes(res.status)) return {status: res.status, body: parsed as T}
      const message = (parsed as {message?: string} | undefined)?.message ?? text ?? res.statusText
      if (res.status === 409) {
        throw new CdcError(`Kafka Connect is still rebalancing after ${this.retries} retries (${method} ${path})`, {
          code: 'CONNECT_REBALANCING',
          actions: ['wait a few seconds and run the command again', 'check the worker log: cdcctl local logs connect'],
        })
      }
      throw new CdcError(`Kafka Connect ${method} ${path} failed with ${res.status}: ${firstLine(String(message))}`, {
        code: res.status === 404 ? 'CONNECT_NOT_FOUND' : 'CONNECT_ERROR',
        actions: res.status === 404 ? ['cdcctl connector list'] : [],
      })
    }
  }

  async version(): Promise<{version: string; commit: string}> {
    return (await this.request<{version: string; commit: string}>('GET', '/')).body
  }

  async plugins(): Promise<{class: string; type: string; version: string}[]> {
    return (await this.request<{class: string; type: string; version: string}[]>('GET', '/connector-plugins')).body
  }

  async list(): Promise<string[]> {
    return (await this.request<string[]>('GET', '/connectors')).body
  }

  /** Status, or undefined when the connector does not exist. */
  async status(name: string): Promise<ConnectorStatus | undefined> {
    const res = await this.request<ConnectorStatus>('GET', `/connectors/${encodeURIComponent(name)}/status`, undefined, [404])
    return res.status === 404 ? undefined : res.body
  }

  async config(name: string): Promise<Record<string, string> | undefined> {
    const res = await this.request<Record<string, string>>('GET', `/connectors/${encodeURIComponent(name)}/config`, undefined, [404])
    return res.status === 404 ? undefined : res.body
  }

  async validate(pluginClass: string, config: Record<string, string>): Promise<ConfigValidation> {
    const plugin = pluginClass.split('.').pop() as string
    return (await this.request<ConfigValidation>('PUT', `/connector-plugins/${plugin}/config/validate`, config)).body
  }

  /** Create or update (PUT is idempotent); true when the connector was created. */
  async put(name: string, config: Record<string, string>): Promise<boolean> {
    const res = await this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, config)
    return res.status === 201
  }

  async delete(name: string): Promise<void> {
    await this.request('DELETE', `/connectors/${encodeURIComponent(name)}`)
  }

  async restart(name: string, options: {includeTasks: boolean; onlyFailed: boolean}): Promise<void> {
    const q = `includeTasks=${options.includeTasks}&onlyFailed=${options.onlyFailed}`
    await this.request('POST', `/connectors/${encodeURIComponent(name)}/restart?${q}`, undefined, [202, 204])
  }

  async pause(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/pause`, undefined, [202])
  }

  async resume(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/resume`, undefined, [202])
  }

  /** Stop the connector and its tasks (the state in which Connect lets its offsets be reset). */
  async stop(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/stop`, undefined, [202, 204])
  }

  /** Forget a stopped connector's committed source offsets. */
  async resetOffsets(name: string): Promise<void> {
    await this.request('DELETE', `/connectors/${encodeURIComponent(name)}/offsets`, undefined, [200, 202])
  }

  async offsets(name: string): Promise<{offsets: {partition: Record<string, unknown>; offset: Record<string, unknown>}[]}> {
    return (await this.request<{offsets: {partition: Record<string, unknown>; offset: Record<string, unknown>}[]}>('GET', `/connectors/${encodeURIComponent(name)}/offsets`)).body
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  return cause?.code ?? cause?.message ?? (error as Error).name ?? 'network error'
}
