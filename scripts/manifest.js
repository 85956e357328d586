#!/usr/bin/env node
// Writes oclif.manifest.json (git-ignored) after the build: oclif then lists commands and prints help
// from this file instead of loading every command module. bin/run.js ignores a manifest older than
// the build, so a tsc run without this step never serves stale flags.
const {writeFileSync} = require('node:fs')
const {join} = require('node:path')
const {Plugin} = require('@oclif/core')

const root = join(__dirname, '..')
;(async () => {
  const plugin = new Plugin({root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true})
  await plugin.load()
  writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest))
})().catch((error) => {
  console.error(`oclif manifest: ${error.message}`)
  process.exit(1)
})
