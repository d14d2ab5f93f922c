#!/usr/bin/env node
'use strict';
// `npx settle` / the package bin: the TypeScript CLI (src/cli/main.ts) through tsx's CommonJS hook.
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
