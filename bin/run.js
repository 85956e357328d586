#!/usr/bin/env node
// Silence kafkajs' one-time notice about its v2 partitioner: cdcctl relies on that (Java-compatible) default.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
// cdcctl supports Node 20; the AWS SDK's notice about its future Node 22 floor is not the user's concern.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
require('@oclif/core').execute({dir: __dirname})
