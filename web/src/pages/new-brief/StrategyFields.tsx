import { Field } from '../../components/Field';
import type { SearchStrategy } from '../../gql/graphql';
import { type OptionText, STRATEGIES } from './strategy-options';

export interface ConfirmText {
  enabled: boolean;
  topK: string;
  seeds: string;
}

interface Props {
  strategy: SearchStrategy;
  options: OptionText;
  confirm: ConfirmText;
  onStrategy: (strategy: SearchStrategy) => void;
  onOption: (key: string, value: string) => void;
  onConfirm: (confirm: ConfirmText) => void;
  /** The form's or the API's message for a path (`strategyOptions.eta`, `confirm.topK`, …). */
  error: (...path: string[]) => string | undefined;
}

/** The strategy picker with the chosen strategy's parameters, and confirm before keep. */
export function StrategyFields({ strategy, options, confirm, onStrategy, onOption, onConfirm, error }: Props) {
  const chosen = STRATEGIES.find((candidate) => candidate.value === strategy) ?? STRATEGIES[0]!;
  return (
    <fieldset className="strategy">
      <legend>Strategy</legend>
      <Field id="brief-strategy" label="How experiments are chosen" error={error('strategy')} hint={chosen.hint}>
        <select value={strategy} onChange={(event) => onStrategy(event.target.value as SearchStrategy)}>
          {STRATEGIES.map((candidate) => (
            <option key={candidate.value} value={candidate.value}>
              {candidate.label}
            </option>
          ))}
        </select>
      </Field>
      {chosen.options.length > 0 && (
        <div className="grid-fields" data-testid="strategy-options">
          {chosen.options.map((option) => (
            <Field
              key={option.key}
              id={`brief-strategyOptions-${option.key}`}
              label={option.label}
              hint={option.hint}
              error={error('strategyOptions', option.key)}
              className={option.kind === 'json' ? 'field--wide' : undefined}
            >
              <input
                value={options[option.key] ?? ''}
                placeholder={option.placeholder}
                inputMode={option.kind === 'number' ? 'decimal' : undefined}
                spellCheck={false}
                onChange={(event) => onOption(option.key, event.target.value)}
              />
            </Field>
          ))}
        </div>
      )}
      {error('strategyOptions') && <p className="field__error">{error('strategyOptions')}</p>}
      <div className="field field--check">
        <input id="brief-confirm" type="checkbox" checked={confirm.enabled} onChange={(event) => onConfirm({ ...confirm, enabled: event.target.checked })} />
        <label htmlFor="brief-confirm">Confirm before keep: re-run the best configs with new seeds (within the task count)</label>
      </div>
      {confirm.enabled && (
        <div className="grid-fields">
          <Field id="brief-confirm-topK" label="Best configs to re-run" error={error('confirm', 'topK')} hint="1 to 50.">
            <input inputMode="numeric" value={confirm.topK} onChange={(event) => onConfirm({ ...confirm, topK: event.target.value })} />
          </Field>
          <Field id="brief-confirm-seeds" label="New seeds each" error={error('confirm', 'seeds')} hint="1 to 20.">
            <input inputMode="numeric" value={confirm.seeds} onChange={(event) => onConfirm({ ...confirm, seeds: event.target.value })} />
          </Field>
        </div>
      )}
      {error('confirm') && <p className="field__error">{error('confirm')}</p>}
    </fieldset>
  );
}
