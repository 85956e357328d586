#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step) for development.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
require('ts-node').register({project: require('node:path').join(__dirname, '..', 'tsconfig.json')})
require('@oclif/core').execute({development: true, dir: __dirname})
