// The quote for a brief before it is submitted: what it would reserve, for the budget as the form
// now says it (a quote for older inputs is never shown).
import { useQuery } from '@apollo/client/react';
import { graphql } from '../../gql';
import type { BudgetInput, EstimateCostQuery } from '../../gql/graphql';
import { formatCredits, formatInt, formatParam } from '../../lib/format';
import { useDebounced } from '../../lib/use-debounced';

const EstimateCost = graphql(`
  query EstimateCost($taskCount: Int!, $budget: BudgetInput, $script: String) {
    estimateCampaignCost(taskCount: $taskCount, budget: $budget, script: $script) {
      taskCount
      budgetS
      budget {
        kind
        seconds
        amount
        unit
        maxWallS
      }
      creditsPerTaskSecond
      perTask
      total
    }
  }
`);

export interface Quote {
  cost: EstimateCostQuery['estimateCampaignCost'] | undefined;
  error: Error | undefined;
}

export function useCostQuote(taskCount: number | null, budget: BudgetInput | null, script: string | null): Quote {
  const costRequest = JSON.stringify({ taskCount, budget, script });
  const costInput = JSON.parse(useDebounced(costRequest, 250)) as { taskCount: number | null; budget: BudgetInput | null; script: string | null };
  const estimate = useQuery(EstimateCost, {
    variables: { taskCount: costInput.taskCount ?? 0, budget: costInput.budget, script: costInput.script },
    skip: !costInput.taskCount || costInput.taskCount < 1 || !costInput.budget,
    fetchPolicy: 'cache-first',
  });
  const fetched = estimate.data?.estimateCampaignCost;
  const current = fetched && !estimate.loading && fetched.taskCount === taskCount && JSON.stringify(costInput) === costRequest;
  return { cost: current ? fetched : undefined, error: estimate.error };
}

interface Props {
  quote: Quote;
  balance: number | null;
  overBudget: boolean;
  /** The inputs are complete: a quote is on its way. */
  waiting: boolean;
}

export function CostQuote({ quote, balance, overBudget, waiting }: Props) {
  const { cost } = quote;
  return (
    <div className="cost" aria-live="polite">
      {cost ? (
        <>
          <p className="cost__total">
            Cost: <strong>{formatCredits(cost.total)}</strong>
          </p>
          <p className="muted small">
            {cost.budget.kind === 'WALL'
              ? `${formatInt(cost.taskCount)} tasks × ${formatInt(cost.budgetS)} s × ${formatInt(cost.creditsPerTaskSecond)} credit per task-second`
              : `${formatInt(cost.taskCount)} tasks × ${formatCredits(cost.perTask)} for the work each contains (${formatParam(cost.budget.amount)} ${cost.budget.unit?.toLowerCase() ?? ''}, at most ${formatInt(cost.budget.maxWallS)} s)`}
            , reserved now; what is not spent comes back.
            {balance != null && ` Your balance: ${formatCredits(balance)}.`}
          </p>
          {overBudget && (
            <p className="field__error">This costs more than your balance. Reduce the tasks or the budget per task.</p>
          )}
        </>
      ) : quote.error ? (
        <p className="field__error">The cost could not be estimated: {quote.error.message}</p>
      ) : waiting ? (
        <p className="muted">Estimating the cost…</p>
      ) : (
        <p className="muted">Enter the number of tasks and the budget to see the cost.</p>
      )}
    </div>
  );
}
