import { Field } from '../../components/Field';
import type { BudgetKind, ComputeUnit, RateClass } from '../../gql/graphql';
import type { BudgetText } from './budget';

interface Props {
  budget: BudgetText;
  kinds: readonly BudgetKind[];
  unit: ComputeUnit | null | undefined;
  onChange: (budget: BudgetText) => void;
  error: (...path: string[]) => string | undefined;
}

const UNIT_LABEL: Record<ComputeUnit, string> = { TOKENS: 'training tokens', FLOPS: 'FLOPs' };

/** Wall seconds on one hardware class, or a fixed amount of compute: the same result on any machine. */
export function BudgetFields({ budget, kinds, unit, onChange, error }: Props) {
  const set = <K extends keyof BudgetText>(key: K, value: BudgetText[K]) => onChange({ ...budget, [key]: value });
  return (
    <>
      <Field
        id="brief-budget-kind"
        label="Budget kind"
        error={error('budget', 'kind')}
        hint={
          budget.kind === 'COMPUTE'
            ? 'A fixed amount of work per task: every machine trains the same steps, so results compare across hardware.'
            : 'Seconds on the worker’s clock: results compare only within one hardware class.'
        }
      >
        <select value={budget.kind} onChange={(event) => set('kind', event.target.value as BudgetKind)} disabled={kinds.length < 2}>
          <option value="COMPUTE" disabled={!kinds.includes('COMPUTE')}>
            Compute{unit ? ` (${UNIT_LABEL[unit]})` : ''}
          </option>
          <option value="WALL" disabled={!kinds.includes('WALL')}>
            Wall seconds
          </option>
        </select>
      </Field>
      {budget.kind === 'WALL' ? (
        <>
          <Field id="brief-budgetS" label="Budget per task (seconds)" error={error('budgetS') ?? error('budget', 'seconds')}>
            <input type="number" min={1} step={1} inputMode="numeric" value={budget.seconds} onChange={(event) => set('seconds', event.target.value)} />
          </Field>
          <Field id="brief-budget-hardware" label="Hardware class" error={error('budget', 'hardware')} hint="The class the campaign runs on and is priced in.">
            <select value={budget.hardware} onChange={(event) => set('hardware', event.target.value as RateClass)}>
              <option value="CPU">CPU</option>
              <option value="GPU">GPU</option>
            </select>
          </Field>
        </>
      ) : (
        <>
          <Field id="brief-budget-amount" label={`Compute per task (${unit ? UNIT_LABEL[unit] : 'units'})`} error={error('budget', 'amount')}>
            <input inputMode="decimal" value={budget.amount} onChange={(event) => set('amount', event.target.value)} />
          </Field>
          <Field id="brief-budget-maxWallS" label="Wall-clock cap (seconds)" error={error('budget', 'maxWallS')} hint="Optional: the platform default when empty.">
            <input inputMode="numeric" value={budget.maxWallS} onChange={(event) => set('maxWallS', event.target.value)} />
          </Field>
        </>
      )}
    </>
  );
}
