import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Profile} from '../config'
import {CdcError, EXIT, firstLine, usageError} from '../errors'
import {PACKAGE_ROOT} from '../paths'
import type {ComponentState, LocalStack} from '../targets/types'
import {catalog} from '../catalog'
import {ensureLocalPassword, localRoleFile, localSuperuserFile} from './credentials'
import {provisionDatabase} from './provision'
import {ensureLocalTls} from './tls'

/** The containerised local stack (docker/docker-compose.yml), for a profile with `runtime: docker`. */
export const COMPOSE_FILE = join(PACKAGE_ROOT, 'docker', 'docker-compose.yml')

/** Where the compose Connect finds the local CA (docker-compose.yml mounts it). */
export const COMPOSE_CA_FILE = '/etc/cdcctl/tls/ca.pem'

/** Compose services of the stack's components, in start order. */
const SERVICES = {postgres: 'postgres', kafka: 'kafka', connect: 'connect'} as const

/**
 * The Connect worker's settings (pipeline.yaml connect.worker) as the image's entrypoint reads them:
 * CONNECT_<NAME> for the property <name>, as the ECS task gets them (terraform/modules/ecs).
 */
export function connectWorkerEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(catalog().connect.worker).map(([property, value]) => [`CONNECT_${property.toUpperCase().replaceAll('.', '_')}`, value]))
}

interface Run {
  code: number
  output: string
}

function docker(args: string[], env: NodeJS.ProcessEnv = {}, onLine?: (line: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.CDCCTL_DOCKER_BIN ?? 'docker', args, {cwd: PACKAGE_ROOT, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-65_536)
      const line = d.toString().trim().split('\n').pop()
      if (line && onLine) onLine(line)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new CdcError('Docker is not installed (no `docker` on PATH)', {code: 'DOCKER_NOT_FOUND', exit: EXIT.usage, actions: ['install Docker with the compose plugin', 'use the native stack: set runtime to native (CDCCTL_RUNTIME=native)']}))
      } else {
        reject(error)
      }
    })
    child.on('close', (code) => resolve({code: code ?? 1, output}))
  })
}

const lastLine = (output: string): string => firstLine(output.trim().split('\n').reverse().join('\n'))

/** `docker info` answers only when an engine runs: the client alone is not enough. */
async function ensureDockerEngine(): Promise<void> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'])
  if (info.code !== 0 || info.output.trim() === '') {
    throw new CdcError(`No Docker engine is reachable: ${lastLine(info.output) || 'docker info failed'}`, {
      code: 'DOCKER_ENGINE_DOWN',
      exit: EXIT.usage,
      actions: ['start Docker (Docker Desktop, colima or dockerd)', 'use the native stack: set runtime to native (CDCCTL_RUNTIME=native)'],
    })
  }
}

/**
 * The same stack in containers. Postgres gets this checkout's generated password (the one the local
 * target reads), so both runtimes share one set of credentials; the containerised Connect reads the
 * database settings from its environment (`${env:…}`, as on ECS).
 */
export class DockerStack implements LocalStack {
  constructor(private readonly profile: Profile) {}

  private select(names: string[]): string[] {
    const unknown = names.filter((n) => !(n in SERVICES))
    if (unknown.length > 0) throw usageError(`Unknown component ${unknown.join(', ')}`, [`use one of: ${Object.keys(SERVICES).join(', ')}`])
    return names.length === 0 ? Object.values(SERVICES) : names.map((n) => SERVICES[n as keyof typeof SERVICES])
  }

  private async compose(step: string, args: string[], onStep?: (line: string) => void): Promise<Run> {
    await ensureDockerEngine()
    const {stateDir} = this.profile
    const replication = catalog().source.roles.replication
    const workerEnv = join(stateDir, 'connect-worker.env')
    const env = {
      POSTGRES_PASSWORD: ensureLocalPassword(stateDir, localSuperuserFile(stateDir)),
      CDCCTL_TLS_DIR: join(stateDir, 'tls'),
      CDC_REPLICATION_USER: replication,
      CDC_REPLICATION_PASSWORD: ensureLocalPassword(stateDir, localRoleFile(stateDir, replication)),
      CDCCTL_CONNECT_ENV_FILE: workerEnv,
    }
    writeFileSync(workerEnv, Object.entries(connectWorkerEnv()).map(([k, v]) => `${k}=${v}\n`).join(''))
    const res = await docker(['compose', '-f', COMPOSE_FILE, ...args], env, onStep)
    if (res.code !== 0) throw new CdcError(`docker compose ${step} failed: ${lastLine(res.output)}`, {code: `DOCKER_COMPOSE_FAILED`, actions: [`docker compose -f ${COMPOSE_FILE} logs`]})
    return res
  }

  async up(names: string[], onStep: (step: string) => void): Promise<ComponentState[]> {
    ensureLocalTls(this.profile.stateDir, join(this.profile.stateDir, 'tls'))
    await this.compose('up', ['up', '-d', '--wait', ...this.select(names)], onStep)
    const {stateDir} = this.profile
    if (names.length === 0 || names.includes('postgres')) await provisionDatabase(this.profile, this.profile.ports.postgres, ensureLocalPassword(stateDir, localSuperuserFile(stateDir)))
    return this.status()
  }

  async down(names: string[], onStep: (step: string) => void): Promise<ComponentState[]> {
    // Only the named services stop; `down` of the whole project removes its containers (volumes stay).
    await this.compose('down', names.length === 0 ? ['down'] : ['stop', ...this.select(names)], onStep)
    return this.status()
  }

  async status(): Promise<ComponentState[]> {
    const res = await this.compose('ps', ['ps', '--all', '--format', 'json'])
    // one JSON object per line (Compose v2.21+), or one JSON array (earlier v2)
    const text = res.output.trim()
    const rows = (text.startsWith('[') ? JSON.parse(text) : text.split('\n').filter(Boolean).map((l) => JSON.parse(l))) as {Service: string; State: string; Health?: string}[]
    const {ports} = this.profile
    return (Object.keys(SERVICES) as (keyof typeof SERVICES)[]).map((component) => {
      const row = rows.find((r) => r.Service === SERVICES[component])
      const state = row?.State !== 'running' ? 'stopped' : row.Health && row.Health !== 'healthy' ? 'starting' : 'running'
      const endpoint = {postgres: `postgresql://127.0.0.1:${ports.postgres}/${this.profile.postgres.database}`, kafka: `127.0.0.1:${ports.kafka}`, connect: `http://127.0.0.1:${ports.connect}`}[component]
      return {component, state, pid: null, port: ports[component], endpoint, log: `docker compose -f ${COMPOSE_FILE} logs ${SERVICES[component]}`}
    })
  }

  async logs(name: string, lines: number): Promise<string[]> {
    const res = await this.compose('logs', ['logs', '--no-color', '--tail', String(lines), ...this.select([name])])
    return res.output.trimEnd().split('\n').slice(-lines)
  }
}
