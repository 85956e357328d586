import {existsSync, readFileSync} from 'node:fs'

import {ensureRuntime} from '../bootstrap'
import type {Profile} from '../config'
import {CdcError, usageError} from '../errors'
import {poll} from '../poll'
import type {ComponentState, LocalStack} from '../targets/types'
import type {Component, ComponentName} from './component'
import {ConnectComponent} from './connect'
import {KafkaComponent} from './kafka'
import {PostgresComponent} from './postgres'
import {portInUse} from './process'

export type {ComponentState} from '../targets/types'

export const COMPONENT_NAMES: ComponentName[] = ['postgres', 'kafka', 'connect']

/** The native stack: processes this project starts and tracks by pid file under the state directory. */
export class NativeStack implements LocalStack {
  constructor(private readonly profile: Profile) {}

  async up(names: string[], onStep: (step: string) => void, quiet = false): Promise<ComponentState[]> {
    onStep('preparing the local runtime')
    ensureRuntime({quiet})
    return up(this.profile, names, onStep)
  }

  down(names: string[], onStep: (step: string) => void): Promise<ComponentState[]> {
    return down(this.profile, names, onStep)
  }

  status(): Promise<ComponentState[]> {
    return Promise.all(components(this.profile).map(describe))
  }

  async logs(name: string, lines: number): Promise<string[]> {
    const file = select(this.profile, [name])[0].logFile
    return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines) : []
  }
}

/** Start order; `down` walks it backwards. */
export function components(profile: Profile): Component[] {
  return [new PostgresComponent(profile), new KafkaComponent(profile), new ConnectComponent(profile)]
}

function select(profile: Profile, names: string[]): Component[] {
  const all = components(profile)
  const unknown = names.filter((n) => !all.some((c) => c.name === n))
  if (unknown.length > 0) throw usageError(`Unknown component ${unknown.join(', ')}`, [`use one of: ${COMPONENT_NAMES.join(', ')}`])
  return names.length === 0 ? all : all.filter((c) => names.includes(c.name))
}

const READY_TIMEOUT_MS: Record<ComponentName, number> = {postgres: 60_000, kafka: 60_000, connect: 120_000}

async function describe(c: Component): Promise<ComponentState> {
  const running = c.running()
  const ready = running && (await c.ready().catch(() => false))
  return {component: c.name, state: running ? (ready ? 'running' : 'starting') : 'stopped', pid: running ? (c.pid() ?? null) : null, port: c.port, endpoint: c.endpoint, log: c.logFile}
}

/** Idempotent: starts what is not running, waits until every component answers. */
export async function up(profile: Profile, names: string[] = [], onStep: (msg: string) => void = () => undefined): Promise<ComponentState[]> {
  const chosen = select(profile, names)
  for (const c of chosen) {
    if (!c.running()) {
      if (await portInUse(c.port)) {
        throw new CdcError(`Port ${c.port} for ${c.name} is already in use by another process`, {
          code: 'PORT_IN_USE',
          exit: 2,
          actions: [`stop whatever listens on ${c.port} (ss -ltnp 'sport = :${c.port}')`, `or set ports.${c.name} in cdcctl.config.json`],
        })
      }
      onStep(`starting ${c.name} on port ${c.port}`)
      await c.start()
    }
    onStep(`waiting for ${c.name} on port ${c.port}`)
    await poll(async () => {
      if (!c.running()) throw new CdcError(`${c.name} exited during startup: ${lastLogLine(c.logFile)}`, {code: 'LOCAL_START_FAILED', actions: [`cdcctl local logs ${c.name}`]})
      return c.ready().catch(() => false)
    }, (ready) => ready, {
      timeoutMs: READY_TIMEOUT_MS[c.name],
      intervalMs: 500,
      onTimeout: () => new CdcError(`${c.name} on port ${c.port} did not become ready within ${READY_TIMEOUT_MS[c.name] / 1000}s`, {code: 'LOCAL_NOT_READY', actions: [`cdcctl local logs ${c.name}`]}),
    })
  }
  return Promise.all(chosen.map(describe))
}

/** Stops only the processes this project started, in reverse start order. */
export async function down(profile: Profile, names: string[] = [], onStep: (msg: string) => void = () => undefined): Promise<ComponentState[]> {
  const chosen = select(profile, names).reverse()
  for (const c of chosen) {
    if (c.running()) {
      onStep(`stopping ${c.name}`)
      await c.stop()
    }
  }
  return Promise.all(chosen.reverse().map(describe))
}

function lastLogLine(file: string): string {
  if (!existsSync(file)) return 'no log written'
  const lines = readFileSync(file, 'utf8').trim().split('\n')
  return (lines.reverse().find((l) => /error|exception|fatal/i.test(l)) ?? lines[0] ?? '').slice(0, 300)
}
