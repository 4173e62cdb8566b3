import { Field } from '../../components/Field';
import type { FieldErrors } from './field-errors';
import { emptyRow, PARAM_TYPES, type ParamRow, type ParamType } from './search-space';

interface Props {
  rows: ParamRow[];
  onChange: (rows: ParamRow[]) => void;
  errors: FieldErrors;
  localErrors: Map<string, string>;
  /** Shown when rows were prefilled from the chosen script. */
  source?: string;
}

const TYPE_LABELS: Record<ParamType, string> = {
  constant: 'constant',
  choice: 'choice',
  uniform: 'uniform',
  loguniform: 'log-uniform',
  int: 'integer',
};

/** The DOM id of an input, so the error summary can link to it. */
export function paramInputId(row: Pick<ParamRow, 'key'>, field: string): string {
  return `ss-${row.key}-${field}`;
}

export function SearchSpaceEditor({ rows, onChange, errors, localErrors, source }: Props) {
  const update = (key: string, patch: Partial<ParamRow>) => onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const remove = (key: string) => onChange(rows.filter((row) => row.key !== key));
  const spaceError = errors.at('searchSpace');

  return (
    <fieldset className="space" aria-describedby={spaceError ? 'ss-error' : 'ss-help'}>
      <legend>Search space</legend>
      <p className="muted small" id="ss-help">
        Each task samples one value per parameter. {source ? `Prefilled from ${source}; edit freely.` : ''} Constants are passed
        unchanged; a log-uniform range suits learning rates.
      </p>
      {spaceError && (
        <p className="field__error" id="ss-error" role="alert">
          {spaceError}
        </p>
      )}
      {rows.length === 0 && <p className="muted">No parameters yet. Add one below; the API needs at least one.</p>}
      <ol className="space__rows">
        {rows.map((row, index) => {
          const name = row.name.trim();
          const err = (field: string) => (name ? errors.at('searchSpace', name, field) : undefined);
          const nameError = [localErrors.get(row.key), name ? errors.at('searchSpace', name) : undefined].filter(Boolean).join(' ') || undefined;
          const valuesError = name ? [err('values'), errors.under('searchSpace', name, 'values')].filter(Boolean).join(' ') || undefined : undefined;
          return (
            <li key={row.key} className="space__row">
              <fieldset className="space__param">
                <legend className="visually-hidden">Parameter {index + 1}{name ? `: ${name}` : ''}</legend>
                <Field id={paramInputId(row, 'name')} label="Name" error={nameError} className="space__name">
                  <input
                    value={row.name}
                    onChange={(event) => update(row.key, { name: event.target.value })}
                    spellCheck={false}
                    autoComplete="off"
                    placeholder="e.g. lr"
                  />
                </Field>
                <Field id={paramInputId(row, 'type')} label="Distribution" error={err('type')} className="space__type">
                  <select value={row.type} onChange={(event) => update(row.key, { type: event.target.value as ParamType })}>
                    {PARAM_TYPES.map((type) => (
                      <option key={type} value={type}>
                        {TYPE_LABELS[type]}
                      </option>
                    ))}
                  </select>
                </Field>
                {row.type === 'constant' && (
                  <Field id={paramInputId(row, 'value')} label="Value" error={undefined} className="space__wide">
                    <input value={row.value} onChange={(event) => update(row.key, { value: event.target.value })} spellCheck={false} />
                  </Field>
                )}
                {row.type === 'choice' && (
                  <Field id={paramInputId(row, 'values')} label="Values (comma-separated)" error={valuesError} className="space__wide">
                    <input
                      value={row.values}
                      onChange={(event) => update(row.key, { values: event.target.value })}
                      spellCheck={false}
                      placeholder="cosine, linear"
                    />
                  </Field>
                )}
                {row.type !== 'constant' && row.type !== 'choice' && (
                  <>
                    <Field id={paramInputId(row, 'low')} label="Low" error={err('low')}>
                      <input value={row.low} inputMode="decimal" onChange={(event) => update(row.key, { low: event.target.value })} spellCheck={false} />
                    </Field>
                    <Field id={paramInputId(row, 'high')} label="High" error={err('high')}>
                      <input value={row.high} inputMode="decimal" onChange={(event) => update(row.key, { high: event.target.value })} spellCheck={false} />
                    </Field>
                  </>
                )}
                {row.type === 'int' && (
                  <Field id={paramInputId(row, 'step')} label="Step" error={err('step')}>
                    <input value={row.step} inputMode="numeric" placeholder="1" onChange={(event) => update(row.key, { step: event.target.value })} />
                  </Field>
                )}
                {(row.type === 'uniform' || row.type === 'loguniform') && (
                  <Field id={paramInputId(row, 'points')} label="Grid points" error={err('points')}>
                    <input
                      value={row.points}
                      inputMode="numeric"
                      placeholder="grid only"
                      onChange={(event) => update(row.key, { points: event.target.value })}
                    />
                  </Field>
                )}
                <div className="space__remove">
                  <button type="button" className="button button--quiet" onClick={() => remove(row.key)} aria-label={`Remove parameter ${name || index + 1}`}>
                    Remove
                  </button>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button type="button" className="button" onClick={() => onChange([...rows, emptyRow()])}>
        Add parameter
      </button>
    </fieldset>
  );
}
