// Whether a concrete config (an agent's proposal, local's baseline) lies in a campaign's search
// space: every parameter present and within its range or choices, constants as the space fixes
// them (filled in when omitted), nothing the space does not name.
import type { FieldError } from '../../errors.ts';
import { canonical, type TaskConfig } from './sampler.ts';
import { isPlainObject, type Parameter, type Scalar, type SearchSpace } from './search-space.ts';

export type ConfigResult = { ok: true; config: TaskConfig } | { ok: false; errors: FieldError[] };

function describe(param: Parameter): string {
  switch (param.type) {
    case 'constant':
      return `the constant ${JSON.stringify(param.value)}`;
    case 'choice':
      return `one of ${param.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'int':
      return `an integer from ${param.low} to ${param.high}${param.step === 1 ? '' : ` in steps of ${param.step}`}`;
    case 'uniform':
    case 'loguniform':
      return `a number from ${param.low} to ${param.high}`;
  }
}

function fits(param: Parameter, value: unknown): boolean {
  switch (param.type) {
    case 'constant':
      return value === param.value;
    case 'choice':
      return param.values.some((choice) => choice === value);
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= param.low && value <= param.high && (value - param.low) % param.step === 0;
    case 'uniform':
    case 'loguniform':
      return typeof value === 'number' && Number.isFinite(value) && value >= param.low && value <= param.high;
  }
}

/** `partial`: parameters may be missing (local's baseline names only what it fixes). */
export function checkConfig(space: SearchSpace, input: unknown, basePath: string[], options: { partial?: boolean } = {}): ConfigResult {
  if (!isPlainObject(input)) return { ok: false, errors: [{ path: basePath, message: 'must be an object of parameter name → value' }] };
  const errors: FieldError[] = [];
  const config: Record<string, Scalar> = {};
  for (const key of Object.keys(input)) {
    if (!(key in space.params)) errors.push({ path: [...basePath, key], message: 'is not a parameter of the search space' });
  }
  for (const name of space.names) {
    const param = space.params[name]!;
    if (!(name in input)) {
      if (param.type === 'constant') config[name] = param.value;
      else if (!options.partial) errors.push({ path: [...basePath, name], message: `is required: ${describe(param)}` });
      continue;
    }
    const value = input[name];
    if (!fits(param, value)) errors.push({ path: [...basePath, name], message: `must be ${describe(param)}` });
    else config[name] = value as Scalar;
  }
  return errors.length ? { ok: false, errors } : { ok: true, config: canonical(config) };
}
