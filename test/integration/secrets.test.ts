import {expect} from 'chai'

import type {Profile} from '../../src/lib/config'
import {cdcctl} from '../helpers/cli'
import {localPassword, localStack} from '../helpers/stack'

describe('no secret in any output', function () {
  this.timeout(180_000)
  let profile: Profile

  before(async () => {
    profile = await localStack()
  })

  const commands = [
    ['config', 'show'],
    ['config', 'show', '--json'],
    ['connector', 'register', '--dry-run'],
    ['connector', 'register', '--dry-run', '--json'],
    ['connector', 'register', '--json'],
    ['connector', 'status', '--json', '--verbose'],
    ['health', '--json'],
    ['local', 'status', '--json'],
    ['local', 'logs', 'connect', '--lines', '500', '--json'],
  ]
  for (const args of commands) {
    it(`cdcctl ${args.join(' ')}`, async () => {
      const res = await cdcctl(args)
      const password = localPassword(profile)
      expect(res.stdout + res.stderr).to.not.contain(password)
      // the connector's config never held it: the password is a config-provider reference
      if (args.includes('--dry-run')) expect(res.stdout).to.match(/\$\{file:[^}]+:password\}/)
    })
  }

  it('a password given in the environment is masked too', async () => {
    const res = await cdcctl(['config', 'show', '--json'], {env: {CDCCTL_DB_PASSWORD: 'env-secret-123'}})
    expect(res.stdout).to.not.contain('env-secret-123')
    expect(res.stdout).to.contain('********')
  })
})
