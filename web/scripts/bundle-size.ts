// Reports what the first visit downloads: index.html's entry script, the modules it preloads and
// its stylesheets, gzipped (level 9, what a compressing proxy sends). Writes dist/bundle-size.json
// and fails the build when the initial route exceeds the 400 KB budget.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 400 * 1024;
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');

const assets = new Set<string>();
for (const match of html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+\.(?:js|css))"[^>]*>/g)) assets.add(match[1]!);

const files = [...assets].map((asset) => {
  const bytes = readFileSync(path.join(dist, asset.replace(/^\//, '')));
  return { file: asset, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
});
const total = files.reduce((sum, file) => sum + file.gzipBytes, 0);
const raw = files.reduce((sum, file) => sum + file.bytes, 0);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
for (const file of files) console.log(`  ${file.file}  ${kb(file.bytes)} (gzip ${kb(file.gzipBytes)})`);
console.log(`initial route: ${kb(total)} gzipped (${kb(raw)} raw) of a ${kb(BUDGET_BYTES)} budget`);

writeFileSync(path.join(dist, 'bundle-size.json'), JSON.stringify({ initialRouteGzipBytes: total, initialRouteBytes: raw, budgetBytes: BUDGET_BYTES, files }, null, 2) + '\n');

if (total > BUDGET_BYTES) {
  console.error(`the initial route is ${kb(total - BUDGET_BYTES)} over its budget: split more code off the first page`);
  process.exit(1);
}
