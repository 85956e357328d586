import {Flags} from '@oclif/core'
import {spawn} from 'node:child_process'
import {join} from 'node:path'

import {CdcError, EXIT, firstLine} from '../errors'
import {PACKAGE_ROOT} from '../paths'

/** The containerised local stack (docker/docker-compose.yml), for `local up|down --runtime docker`. */
export const COMPOSE_FILE = join(PACKAGE_ROOT, 'docker', 'docker-compose.yml')

/** --runtime of `local up` and `local down`. */
export const runtimeFlag = Flags.string({description: 'native: processes cdcctl starts (default); docker: docker/docker-compose.yml where a Docker engine runs.', options: ['native', 'docker'], default: 'native'})

interface Run {
  code: number
  output: string
}

function docker(args: string[], onLine?: (line: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.CDCCTL_DOCKER_BIN ?? 'docker', args, {cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-16_384)
      const line = d.toString().trim().split('\n').pop()
      if (line && onLine) onLine(line)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new CdcError('Docker is not installed (no `docker` on PATH)', {code: 'DOCKER_NOT_FOUND', exit: EXIT.usage, actions: ['install Docker with the compose plugin', 'use the native stack: cdcctl local up --runtime native']}))
      } else {
        reject(error)
      }
    })
    child.on('close', (code) => resolve({code: code ?? 1, output}))
  })
}

const lastLine = (output: string): string => firstLine(output.trim().split('\n').reverse().join('\n'))

/** `docker info` answers only when an engine runs: the client alone is not enough. */
export async function ensureDockerEngine(): Promise<void> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'])
  if (info.code !== 0 || info.output.trim() === '') {
    throw new CdcError(`No Docker engine is reachable: ${lastLine(info.output) || 'docker info failed'}`, {
      code: 'DOCKER_ENGINE_DOWN',
      exit: EXIT.usage,
      actions: ['start Docker (Docker Desktop, colima or dockerd)', 'use the native stack: cdcctl local up --runtime native'],
    })
  }
}

async function compose(step: 'down' | 'up', args: string[], onLine?: (line: string) => void): Promise<void> {
  await ensureDockerEngine()
  const res = await docker(['compose', '-f', COMPOSE_FILE, ...args], onLine)
  if (res.code !== 0) {
    throw new CdcError(`docker compose ${step} failed: ${lastLine(res.output)}`, {code: `DOCKER_COMPOSE_${step.toUpperCase()}_FAILED`, actions: [`docker compose -f ${COMPOSE_FILE} logs`]})
  }
}

/** Start the containers and wait until their health checks pass. */
export const dockerUp = (onLine?: (line: string) => void): Promise<void> => compose('up', ['up', '-d', '--wait'], onLine)

/** Stop and remove the containers; the named volumes (the data) are kept. */
export const dockerDown = (onLine?: (line: string) => void): Promise<void> => compose('down', ['down'], onLine)
