#!/usr/bin/env node
// Launcher. In a checkout it runs the TypeScript source (Node >= 22.18 strips types), so it is never
// stale; the published package has no src/ and runs the compiled dist/cli.js instead.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`xeenet-worker needs Node.js 22.18 or newer (this is ${process.version}). Install it from https://nodejs.org/`);
  process.exit(1);
}

const source = new URL('../src/cli.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/cli.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
