import {loadProfile, type LoadOptions} from '../config'
import {AwsTarget} from './aws'
import {LocalTarget} from './local'
import type {Target} from './types'

export type {DbCredentials, Target} from './types'

export function resolveTarget(options: LoadOptions = {}): Target {
  const profile = loadProfile(options)
  return profile.target === 'aws' ? new AwsTarget(profile) : new LocalTarget(profile)
}
