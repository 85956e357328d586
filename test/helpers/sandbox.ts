import {readlinkSync, writeFileSync} from 'node:fs'

import {type CliResult, runCollected} from './cli'

// The child waits until it is root of its namespace, then execs (capabilities come back with exec as
// uid 0), forbids further user namespaces and execs the command.
const SCRIPT = `while [ "$(id -u)" != 0 ]; do sleep 0.02; done
exec sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"' sh "$@"`

/**
 * Run a command as root on a machine without user namespaces, for real: root of a new user namespace
 * that maps uids and gids 0-65535 onto the host's ones (so root and nobody are what they are outside)
 * and sets user.max_user_namespaces=0 inside, as a hardened host or a container's seccomp profile
 * does. `unshare --user` then fails there with "No space left on device". Needs root.
 */
export function withoutUserNamespaces(cmd: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<CliResult> {
  return runCollected('unshare', ['--user', 'sh', '-c', SCRIPT, 'sh', ...cmd], cmd, options, (child, reject) => {
    const own = readlinkSync('/proc/self/ns/user')
    const map = (): void => {
      try {
        if (readlinkSync(`/proc/${child.pid}/ns/user`) === own) return void setTimeout(map, 10)
        writeFileSync(`/proc/${child.pid}/uid_map`, '0 0 65536\n')
        writeFileSync(`/proc/${child.pid}/gid_map`, '0 0 65536\n')
      } catch (error) {
        child.kill('SIGKILL')
        reject(error as Error)
      }
    }
    map()
  })
}
