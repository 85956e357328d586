import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

import {CdcError, firstLine} from '../errors'
import {isRoot} from './process'

/**
 * Who runs PostgreSQL's programs (initdb, pg_ctl, postgres) on this machine. Postgres refuses to run
 * as root, so:
 * - an ordinary user runs them as itself;
 * - root runs them inside a new user namespace (`unshare --user`): there they see an unprivileged uid
 *   (the overflow uid, 65534) and pass Postgres's root check, while the kernel still checks file
 *   access against the real uid: the cluster stays owned by root in `.cdcctl/postgres`, whatever the
 *   parents' modes (a 0700 home or mktemp directory), and nothing is chowned;
 * - root on a machine without user namespaces (a container whose seccomp profile or
 *   user.max_user_namespaces forbids them) runs them as `nobody`, who owns the cluster then, but
 *   only when `nobody` can reach the binaries and the state directory.
 * Otherwise nothing starts and one line names the directory in the way.
 */
export interface PostgresRunner {
  /** Command prefix for run(): empty, `unshare --user --` or `runuser -u nobody --`. */
  via: string[]
  /** The owner the cluster's files must have on disk. */
  uid: number
  gid: number
  /** For messages: "root inside a user namespace". */
  who: string
}

export const FALLBACK_USER = 'nobody'

/** undefined until probed; '' when user namespaces work, else why they do not. */
let userNamespaceProblem: string | undefined

function probeUserNamespaces(): string {
  if (userNamespaceProblem === undefined) {
    const res = spawnSync('unshare', ['--user', '--', 'true'], {encoding: 'utf8'})
    userNamespaceProblem = res.status === 0 ? '' : firstLine(res.error?.message ?? (String(res.stderr).trim() || `exit ${res.status}`)).replace(/^unshare: /, '')
  }
  return userNamespaceProblem
}

/** Every directory from / down to `path` (inclusive). */
function ancestry(path: string): string[] {
  const dirs: string[] = []
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    dirs.unshift(dir)
    if (dirname(dir) === dir) return dirs
  }
}

type Reach = {ok: true} | {ok: false; dir: string} | {ok: false; error: string}

/** Whether `via` can traverse every one of `dirs` (one process for all of them). */
function reach(via: string[], dirs: string[]): Reach {
  const script = 'for d do [ -x "$d" ] || { printf %s "$d"; exit 3; }; done'
  const res = spawnSync(via[0], [...via.slice(1), 'sh', '-c', script, 'sh', ...dirs], {encoding: 'utf8', cwd: '/'})
  if (res.status === 0) return {ok: true}
  if (res.status === 3 && res.stdout) return {ok: false, dir: res.stdout}
  return {ok: false, error: firstLine(res.error?.message ?? (String(res.stderr).trim() || `exit ${res.status}`))}
}

function lookupUser(name: string): {uid: number; gid: number} | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))
  if (!line) return undefined
  const [, , uid, gid] = line.split(':')
  return {uid: Number(uid), gid: Number(gid)}
}

/**
 * How to run Postgres here, checked before anything starts. `binDir` holds the binaries; `stateDir`
 * is where the cluster lives (cdcctl creates it and what is below, so only what is above must be
 * traversable already).
 */
export function postgresRunner(binDir: string, stateDir: string): PostgresRunner {
  if (!isRoot()) return {via: [], uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, who: 'the current user'}
  const dirs = [...ancestry(binDir), ...ancestry(dirname(stateDir)).filter((d) => existsSync(d))]
  const userns = probeUserNamespaces()
  const candidates: PostgresRunner[] = []
  if (userns === '') candidates.push({via: ['unshare', '--user', '--'], uid: 0, gid: 0, who: 'root inside a user namespace'})
  const fallback = lookupUser(FALLBACK_USER)
  if (fallback) candidates.push({via: ['runuser', '-u', FALLBACK_USER, '--'], ...fallback, who: `the ${FALLBACK_USER} user`})

  const why = userns === '' ? 'PostgreSQL refuses to run as root' : `PostgreSQL refuses to run as root and this machine has no user namespaces (unshare --user: ${userns})`
  let first: Reach | undefined
  for (const runner of candidates) {
    const r = reach(runner.via, dirs)
    if (r.ok) return runner
    first ??= r
    if (!('dir' in r)) continue
    throw new CdcError(`${why}; ${runner.who}, which runs it instead, cannot traverse ${r.dir}`, {
      code: 'POSTGRES_CANNOT_RUN',
      exit: 2,
      actions: [`chmod o+x ${r.dir}`, 'clone the repository where other users can traverse it', 'run cdcctl as an ordinary user'],
    })
  }
  const detail = first && 'error' in first ? `: ${first.error}` : ` and there is no "${FALLBACK_USER}" user`
  throw new CdcError(`${why}, and it cannot run as ${FALLBACK_USER} either${detail}`, {
    code: 'POSTGRES_CANNOT_RUN',
    exit: 2,
    actions: ['run cdcctl as an ordinary user', 'enable user namespaces (sysctl user.max_user_namespaces)'],
  })
}
