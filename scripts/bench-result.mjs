// Prints a benchmark's saved JSON summary, so that the last line of `npm run bench:*` is that
// JSON even though turbo prints its own run summary after the task's output.
import { readFileSync } from 'node:fs';

const name = process.argv[2];
try {
  process.stdout.write(readFileSync(new URL(`../.bench/${name}.json`, import.meta.url), 'utf8'));
} catch {
  console.error(`no result saved for bench:${name} (.bench/${name}.json); see the output above`);
  process.exit(1);
}
