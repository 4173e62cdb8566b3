// Prints the tasks the API would create for a brief, as JSON: [{index, seed, config}, ...].
// The training benchmark uses it so its local campaign is exactly the platform's.
//   node api/scripts/sample-tasks.ts --space FILE [--tasks 10] [--seed 0] [--strategy random|grid]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sampleTasks } from '../src/modules/campaigns/sampler.ts';
import { parseSearchSpace } from '../src/modules/campaigns/search-space.ts';

const { values } = parseArgs({
  options: {
    space: { type: 'string' },
    tasks: { type: 'string', default: '10' },
    seed: { type: 'string', default: '0' },
    strategy: { type: 'string', default: 'random' },
  },
});

function fail(message: string): never {
  console.error(`sample-tasks: ${message}`);
  process.exit(2);
}

if (!values.space) fail('--space FILE is required');
const count = Number(values.tasks);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 1) fail(`--tasks must be a positive integer, got ${values.tasks}`);
if (!Number.isInteger(seed) || seed < 0) fail(`--seed must be a non-negative integer, got ${values.seed}`);
if (values.strategy !== 'random' && values.strategy !== 'grid') fail(`--strategy must be random or grid`);

const parsed = parseSearchSpace(JSON.parse(readFileSync(values.space, 'utf8')));
if (!parsed.ok) fail(parsed.errors.map((error) => `${error.path.join('.')}: ${error.message}`).join('; '));
console.log(JSON.stringify(sampleTasks(parsed.space, values.strategy, count, seed)));
