import {type ChildProcess, spawn} from 'node:child_process'
import {createServer} from 'node:net'
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

/** A real moto server (from the project's .venv): the AWS APIs the aws target calls, on loopback. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort()
  const bin = join(ROOT, '.venv', 'bin', 'moto_server')
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {stdio: 'ignore'})
  let spawnError: Error | undefined
  child.once('error', (error) => (spawnError = error))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break
    } catch {
      if (spawnError || child.exitCode !== null || Date.now() > deadline) {
        // A moto that never answered does not outlive the failed hook.
        child.kill('SIGKILL')
        throw new Error(`moto server did not start: ${spawnError?.message ?? (child.exitCode === null ? 'no answer within 30s' : `${bin} exited ${child.exitCode}`)}`)
      }
      await new Promise((r) => setTimeout(r, 300))
    }
  }
  return {
    url,
    env: {AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'ap-south-1', AWS_PROFILE: ''},
    stop: async () => {
      child.kill('SIGTERM')
    },
  }
}
