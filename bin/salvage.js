#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build` in a clone; shipped in the packed package).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`salvage: the compiled CLI is missing (${fileURLToPath(cli)}); run "npm run build" in ${root}\n`);
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
