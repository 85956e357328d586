import {spawnSync} from 'node:child_process'
import {join} from 'node:path'

import {CdcError} from './errors'
import {PACKAGE_ROOT} from './paths'

/**
 * Installs what the local stack needs and is missing (Debian packages, pinned jars, the Python
 * environment). The script does nothing when all is present, so every command can call it.
 */
export function ensureRuntime(options: {quiet: boolean}): void {
  const res = spawnSync('bash', [join(PACKAGE_ROOT, 'scripts', 'bootstrap.sh'), '--runtime'], {
    stdio: ['ignore', options.quiet ? 'ignore' : process.stderr, process.stderr],
    env: process.env,
  })
  if (res.status !== 0) {
    throw new CdcError('Bootstrap of the local runtime failed (see the messages above)', {code: 'BOOTSTRAP_FAILED', actions: ['bash scripts/bootstrap.sh --runtime']})
  }
}
