import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ROOT} from './cli'

export interface Moto {
  url: string
  /** Environment that points the AWS SDK (and so cdcctl) at this moto server. */
  env: NodeJS.ProcessEnv
  stop(): Promise<void>
}

/** A loopback port nothing listens on (bound, then released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address() as {port: number}
      s.close(() => resolve(port))
    })
  })

/** Starts moto on a free port and resolves once it says it serves there; rejects when it exits first. */
function launch(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, '.venv', 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, ...env}})
    let said = ''
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`moto server did not start on ${port} within 60s: ${said.slice(-300)}`))), 60_000)
    child.stderr?.on('data', (d: Buffer) => {
      said += d.toString()
      // Werkzeug's banner: only now is the port ours (a port freed by freePort can be taken by another process first).
      if (said.includes(`Running on http://127.0.0.1:${port}`)) {
        clearTimeout(timer)
        child.stderr?.removeAllListeners('data')
        child.stderr?.resume()
        resolve(child)
      }
    })
    child.once('error', (error) => (clearTimeout(timer), reject(new Error(`moto server could not start: ${error.message}`))))
    child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`moto server exited (${code}) before serving on ${port}: ${said.slice(-300)}`))))
  })
}

/**
 * Emulator gap: the aws target verifies RDS against Amazon's CA bundle, fetched from AWS's trust store,
 * which this machine cannot reach, and no database answers behind moto; a self-signed CA stands in.
 */
function standInCa(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-ca-'))
  const pem = join(dir, 'rds-ca.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=stand-in RDS CA', '-keyout', join(dir, 'ca.key'), '-out', pem], {stdio: 'ignore'})
  return pem
}

/** A real moto server (from the project's .venv): the AWS APIs the aws target calls, on loopback. */
export async function startMoto(serverEnv: NodeJS.ProcessEnv = {}): Promise<Moto> {
  let child: ChildProcess | undefined
  let port = 0
  for (let attempt = 0; !child; attempt++) {
    port = await freePort()
    child = await launch(port, serverEnv).catch((error: Error) => {
      if (attempt >= 2) throw error
      return undefined
    })
  }
  const url = `http://127.0.0.1:${port}`
  const running = child
  return {
    url,
    env: {AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'ap-south-1', AWS_PROFILE: '', CDCCTL_DB_CA_FILE: standInCa()},
    stop: async () => {
      running.kill('SIGTERM')
    },
  }
}
