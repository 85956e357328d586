import {join} from 'node:path'

import type {Profile} from '../config'

export type ComponentName = 'connect' | 'kafka' | 'postgres'

export interface Component {
  readonly name: ComponentName
  readonly port: number
  /** What a client uses to reach it. */
  readonly endpoint: string
  readonly logFile: string
  /** The process this project started is alive. */
  running(): boolean
  /** It answers requests. */
  ready(): Promise<boolean>
  start(): Promise<void>
  stop(): Promise<void>
  pid(): number | undefined
}

export const componentDir = (profile: Profile, name: ComponentName, ...parts: string[]): string => join(profile.stateDir, name, ...parts)
export const logFileOf = (profile: Profile, name: ComponentName): string => join(profile.stateDir, 'logs', `${name}.log`)
