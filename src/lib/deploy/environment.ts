import {existsSync, readdirSync} from 'node:fs'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import type {Profile} from '../config'
import {usageError} from '../errors'
import {findConfigFile} from '../paths'
import {Terraform} from '../terraform'

/** One Terraform environment of an aws profile: the root module, its envs/<env> files and where its state lives. */
export interface DeployEnvironment {
  env: string
  terraformDir: string
  /** Relative to terraformDir, as Terraform is run from there. */
  varFile: string
  backendConfig?: string
  planFile: string
  terraform: Terraform
}

/** The Terraform environment of an aws profile (through Target.deployment()). */
export function resolveEnvironment(profile: Profile, options: {env?: string; stream?: boolean}): DeployEnvironment {
  const env = options.env ?? profile.deploy.env
  if (!/^[\w.-]+$/.test(env)) throw usageError(`Environment name "${env}" may hold only letters, digits, ".", "_" and "-"`)
  const configFile = findConfigFile()
  const terraformDir = isAbsolute(profile.deploy.terraformDir) ? profile.deploy.terraformDir : resolve(configFile ? dirname(configFile) : process.cwd(), profile.deploy.terraformDir)
  if (!existsSync(join(terraformDir, 'main.tf')) && !existsSync(join(terraformDir, 'versions.tf'))) {
    throw usageError(`No Terraform root module in ${terraformDir}`, [`set profiles.${profile.name}.deploy.terraformDir in cdcctl.config.json`])
  }
  const varFile = `envs/${env}.tfvars`
  if (!existsSync(join(terraformDir, varFile))) {
    const known = existsSync(join(terraformDir, 'envs')) ? readdirSync(join(terraformDir, 'envs')).filter((f) => f.endsWith('.tfvars')).map((f) => f.replace(/\.tfvars$/, '')) : []
    throw usageError(`No environment "${env}": ${join(terraformDir, varFile)} does not exist`, [known.length > 0 ? `use --env ${known.join(' or --env ')}` : `create ${varFile}`])
  }
  const backend = `envs/${env}.backend.hcl`
  const stateDir = join(profile.stateDir, 'terraform', profile.name, env)
  return {
    env,
    terraformDir,
    varFile,
    backendConfig: existsSync(join(terraformDir, backend)) ? backend : undefined,
    planFile: join(stateDir, 'tfplan'),
    terraform: new Terraform({dir: terraformDir, dataDir: join(stateDir, 'data'), logDir: join(stateDir, 'logs'), stream: options.stream}),
  }
}
