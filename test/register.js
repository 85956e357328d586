// ts-node for mocha, with the test tsconfig (mocha and node types, src and test together).
process.env.TS_NODE_PROJECT = require('node:path').join(__dirname, 'tsconfig.json')
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
require('ts-node/register/transpile-only')
