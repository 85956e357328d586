import {Args} from '@oclif/core'

import {jobNames} from '../catalog'
import {checkRunId} from './summary'

/** The job argument of the job commands: one of the catalog's jobs (help lists them). */
export const jobArg = Args.string({description: 'Job (pipeline.yaml)', options: jobNames(), required: true})
export const optionalJobArg = Args.string({description: 'Job (pipeline.yaml)', options: jobNames()})

/** A run id (from `job run` or `job list`); checked before it can name a file. */
export const runIdArg = Args.string({description: 'Run id (from job run or job list)', required: true, parse: async (input) => checkRunId(input)})
export const optionalRunIdArg = Args.string({description: 'Run id (from job run or job list)', parse: async (input) => checkRunId(input)})
