// The strategies a brief can use and the parameters each one takes, as the API's
// strategy-options schema names them (api/src/modules/campaigns/strategy-options.ts).
import type { SearchStrategy } from '../../gql/graphql';

export interface OptionSpec {
  key: string;
  label: string;
  /** 'json': an object (local's baseline); 'number': integer or decimal. */
  kind: 'number' | 'json';
  hint: string;
  placeholder?: string;
}

const maxInFlight: OptionSpec = { key: 'maxInFlight', label: 'Most tasks in flight', kind: 'number', hint: 'Default: as many as the workers online can run.' };

export const STRATEGIES: { value: SearchStrategy; label: string; hint: string; options: OptionSpec[] }[] = [
  { value: 'RANDOM', label: 'Random sampling', hint: 'Independent draws from the space, all created at submission.', options: [] },
  { value: 'GRID', label: 'Grid', hint: 'Every combination; continuous ranges need “grid points”.', options: [] },
  {
    value: 'TPE',
    label: 'TPE (learns from results)',
    hint: 'Tree-structured Parzen Estimator: proposes as results arrive, running tasks counted among the bad ones.',
    options: [
      { key: 'startupTasks', label: 'Random start-up tasks', kind: 'number', hint: 'Random tasks before it models the results.', placeholder: '10' },
      { key: 'candidates', label: 'Candidates per proposal', kind: 'number', hint: 'Samples it scores before proposing one.' },
      maxInFlight,
    ],
  },
  {
    value: 'ASHA',
    label: 'ASHA (successive halving)',
    hint: 'Configs promoted to η× the budget when in the top 1/η of their rung; the escrow reserves the top rung.',
    options: [
      { key: 'eta', label: 'η (reduction factor)', kind: 'number', hint: '2 to 10.', placeholder: '3' },
      { key: 'rungs', label: 'Rungs', kind: 'number', hint: '1 to 5 budget levels.', placeholder: '3' },
      maxInFlight,
    ],
  },
  {
    value: 'LOCAL',
    label: 'Local (autoresearch’s loop)',
    hint: 'From a baseline, change one parameter at a time around the best; keep if better.',
    options: [
      { key: 'baseline', label: 'Baseline config (JSON)', kind: 'json', hint: 'A partial config, e.g. {"lr": 0.001}; the rest from the space.', placeholder: '{"lr": 0.001}' },
      maxInFlight,
    ],
  },
  {
    value: 'AGENT',
    label: 'Agent (your program proposes)',
    hint: 'An outside program proposes every experiment with proposeExperiments and follows campaignResults.',
    options: [maxInFlight],
  },
];

export type OptionText = Record<string, string>;

/** The filled-in options as the API takes them, or the fields that do not parse. */
export function parseOptions(strategy: SearchStrategy, text: OptionText): { options: Record<string, unknown> | null; errors: Record<string, string> } {
  const spec = STRATEGIES.find((candidate) => candidate.value === strategy);
  const options: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const option of spec?.options ?? []) {
    const raw = (text[option.key] ?? '').trim();
    if (!raw) continue;
    if (option.kind === 'number') {
      const value = Number(raw);
      if (!Number.isFinite(value)) errors[option.key] = 'Enter a number.';
      else options[option.key] = value;
    } else {
      try {
        const value: unknown = JSON.parse(raw);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) errors[option.key] = 'Enter a JSON object, e.g. {"lr": 0.001}.';
        else options[option.key] = value;
      } catch {
        errors[option.key] = 'This is not valid JSON.';
      }
    }
  }
  return { options: Object.keys(options).length ? options : null, errors };
}
