#!/usr/bin/env node
// The command line runs the build it has and never builds: a build replaces dist/, which a
// running or restarting server needs, so building is a step of its own (`npm run build`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('gatehouse: no build in dist/; run `npm run build` (or `npm start`) first');
  process.exit(1);
}
await import(cli.href);
