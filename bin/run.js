#!/usr/bin/env node
// Silence kafkajs' one-time notice about its v2 partitioner: cdcctl relies on that (Java-compatible) default.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
require('@oclif/core').execute({dir: __dirname})
