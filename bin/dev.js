#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step) for development.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
// cdcctl supports Node 20; the AWS SDK's notice about its future Node 22 floor is not the user's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
require('ts-node').register({project: require('node:path').join(__dirname, '..', 'tsconfig.json')})
require('@oclif/core').execute({development: true, dir: __dirname})
