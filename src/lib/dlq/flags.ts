import {Flags} from '@oclif/core'

import {topics} from '../catalog'

import {type DlqFilter, parseTime} from './record'

/** The record filters shared by dlq list, inspect, export and replay. */
export const filterFlags = {
  topic: Flags.string({description: `Only records from this (origin) topic, e.g. ${topics()[0]}.`}),
  error: Flags.string({description: 'Only records whose error class is this, or whose error message contains it.'}),
  since: Flags.string({description: 'Only records that failed at or after this time (ISO date/time, or an age: 30m, 12h, 7d).'}),
  until: Flags.string({description: 'Only records that failed before this time.'}),
}

export function toFilter(flags: {topic?: string; error?: string; since?: string; until?: string}): DlqFilter {
  return {topic: flags.topic, error: flags.error, since: parseTime('since', flags.since), until: parseTime('until', flags.until)}
}
