import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Profile} from '../config'
import {CdcError, EXIT, firstLine} from '../errors'
import type {DeployEnvironment} from './environment'

export interface Preflight {
  terraformVersion: string
  account: string
  arn: string
  region: string
  warnings: string[]
}

/** Before anything changes: Terraform runs and is recent enough, AWS credentials work, and the regions agree. */
export async function preflight(profile: Profile, environment: DeployEnvironment): Promise<Preflight> {
  const terraformVersion = await environment.terraform.version()
  const identity = await callerIdentity(profile.region)
  const warnings: string[] = []
  const tfvars = readFileSync(join(environment.terraformDir, environment.varFile), 'utf8')
  const tfRegion = /^\s*region\s*=\s*"([^"]+)"/m.exec(tfvars)?.[1]
  if (tfRegion && tfRegion !== profile.region) {
    warnings.push(`${environment.varFile} deploys to ${tfRegion} but profile "${profile.name}" uses ${profile.region}; cdcctl will follow the Terraform outputs' region after deploy`)
  }
  return {terraformVersion, ...identity, region: profile.region, warnings}
}

async function callerIdentity(region: string): Promise<{account: string; arn: string}> {
  const {STSClient, GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  try {
    const res = await new STSClient({region}).send(new GetCallerIdentityCommand({}))
    return {account: res.Account ?? '', arn: res.Arn ?? ''}
  } catch (error) {
    throw new CdcError(`AWS identity check (STS GetCallerIdentity) failed in ${region}: ${firstLine((error as Error).message)}`, {
      code: 'AWS_CREDENTIALS',
      exit: EXIT.usage,
      actions: ['set AWS_PROFILE (or run aws sso login) and AWS_REGION'],
      cause: error,
    })
  }
}
