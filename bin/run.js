#!/usr/bin/env node
const {statSync, rmSync} = require('node:fs')
const {join} = require('node:path')
// Silence kafkajs' one-time notice about its v2 partitioner: cdcctl relies on that (Java-compatible) default.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
// cdcctl supports Node 20; the AWS SDK's notice about its future Node 22 floor is not the user's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
// oclif.manifest.json (npm run build writes it) spares loading every command for help and lookup; one
// older than the build describes other commands, so it goes and oclif reads the commands themselves.
try {
  const manifest = join(__dirname, '..', 'oclif.manifest.json')
  if (statSync(manifest).mtimeMs < statSync(join(__dirname, '..', 'dist', 'base-command.js')).mtimeMs) rmSync(manifest, {force: true})
} catch {
  // no manifest or no build: oclif reads the commands
}
require('@oclif/core').execute({dir: __dirname})
