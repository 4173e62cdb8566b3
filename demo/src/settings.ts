// The demo's one reader of process.argv and process.env: flags first, then the environment, then
// what `npm start` left in its data folder (platform.json, admin-token).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const DEFAULT_TASKS = 10;
export const PREFERRED_DATASET = 'tinyshakespeare';
export const FALLBACK_DATASET = 'brown';
export const SCRIPT = 'char-transformer';

export const USAGE = `npm run demo [-- options]

Submits the demo campaign (char-transformer, its default search space, ${DEFAULT_TASKS} tasks) to a
running XeeNet, follows it live and prints a summary; the last line is JSON.

  --tasks N        number of tasks (default ${DEFAULT_TASKS})
  --budget S       seconds per task (default: the script's default budget)
  --dataset NAME   dataset name or SHA-256 (default ${PREFERRED_DATASET}, else ${FALLBACK_DATASET})
  --seed N         campaign seed (default 0)
  --server URL     the API (default: the platform \`npm start\` runs, from XEENET_DATA_DIR/platform.json;
                   env XEENET_SERVER)
  --token T        an API token (default: XEENET_DATA_DIR/admin-token; env XEENET_TOKEN)
  --help`;

export class UsageError extends Error {}

export interface DemoSettings {
  tasks: number;
  budgetS: number | null;
  /** Null: TinyShakespeare when available, else Brown. */
  dataset: string | null;
  seed: number;
  server: string;
  token: string;
  color: boolean;
  interactive: boolean;
}

function wholeNumber(name: string, value: string | undefined, min: number, max: number): number | null {
  if (value === undefined) return null;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return parsed;
}

function readIfPresent(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Parses flags and environment; throws UsageError with a message a person can act on. */
export function loadSettings(argv: string[], env: NodeJS.ProcessEnv, stdoutIsTty: boolean): DemoSettings | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        tasks: { type: 'string' },
        budget: { type: 'string' },
        dataset: { type: 'string' },
        seed: { type: 'string' },
        server: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const dataDir = path.resolve(env.XEENET_DATA_DIR || path.join(REPO_ROOT, '.xeenet'));
  const platform = readIfPresent(path.join(dataDir, 'platform.json'));
  const server = values.server ?? (env.XEENET_SERVER || null) ?? (platform ? (JSON.parse(platform) as { url: string }).url : null);
  if (!server) throw new UsageError(`no running platform found (${path.join(dataDir, 'platform.json')} is missing): start it with \`npm start\`, or pass --server URL`);
  const token = values.token ?? (env.XEENET_TOKEN || null) ?? readIfPresent(path.join(dataDir, 'admin-token'));
  if (!token) throw new UsageError(`no API token: pass --token T (or XEENET_TOKEN); \`npm start\` keeps the admin's in ${path.join(dataDir, 'admin-token')}`);
  return {
    tasks: wholeNumber('tasks', values.tasks, 1, 10_000) ?? DEFAULT_TASKS,
    budgetS: wholeNumber('budget', values.budget, 1, 86_400),
    dataset: values.dataset?.trim() || null,
    seed: wholeNumber('seed', values.seed, 0, 2 ** 31 - 1) ?? 0,
    server: server.replace(/\/+$/, '').replace(/\/graphql$/, ''),
    token,
    color: stdoutIsTty && !env.NO_COLOR,
    interactive: stdoutIsTty,
  };
}

export const AGENT_USAGE = `npm run local-agent -w @xeenet/demo [-- options]

The reference agent: submits an AGENT campaign and runs autoresearch's loop on it from outside,
over GraphQL (one-parameter changes around the best, kept when better), until the task budget is spent.

  --tasks N           task budget (default ${DEFAULT_TASKS})
  --script NAME       training script (default ${SCRIPT}; its default search space is searched)
  --budget S          seconds per task (default: the script's default budget)
  --dataset NAME      dataset name or SHA-256 (default ${FALLBACK_DATASET})
  --parallel N        experiments in flight at once (default 2)
  --seed N            campaign seed (default 0)
  --allow-simulated   let --simulate workers take its tasks (tests, demos)
  --server URL, --token T   as for npm run demo
  --help`;

export interface AgentSettings {
  tasks: number;
  script: string;
  budgetS: number | null;
  dataset: string;
  parallel: number;
  seed: number;
  allowSimulated: boolean;
  server: string;
  token: string;
}

/** The reference agent's flags; the server and token are found as the demo finds them. */
export function loadAgentSettings(argv: string[], env: NodeJS.ProcessEnv): AgentSettings | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        tasks: { type: 'string' },
        script: { type: 'string' },
        budget: { type: 'string' },
        dataset: { type: 'string' },
        parallel: { type: 'string' },
        seed: { type: 'string' },
        'allow-simulated': { type: 'boolean' },
        server: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const base = loadSettings([...(values.server ? ['--server', values.server] : []), ...(values.token ? ['--token', values.token] : [])], env, false);
  if (base === 'help') return 'help';
  return {
    tasks: wholeNumber('tasks', values.tasks, 1, 10_000) ?? DEFAULT_TASKS,
    script: values.script?.trim() || SCRIPT,
    budgetS: wholeNumber('budget', values.budget, 1, 86_400),
    dataset: values.dataset?.trim() || FALLBACK_DATASET,
    parallel: wholeNumber('parallel', values.parallel, 1, 100) ?? 2,
    seed: wholeNumber('seed', values.seed, 0, 2 ** 31 - 1) ?? 0,
    allowSimulated: values['allow-simulated'] ?? false,
    server: base.server,
    token: base.token,
  };
}
