#!/usr/bin/env node
// The development entry: runs the CLI from its TypeScript sources through tsx (a devDependency), so a change
// needs no build. The installed package's entry is the compiled dist/bin/main.js.
'use strict';
require('tsx/cjs');
require('./main.ts');
