import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../test/fake-api';
import { renderPage } from '../../test/render';
import { NewBriefPage } from './NewBriefPage';

const script = (name: string, searchSpace: unknown, defaultBudgetS: number, compute: Record<string, unknown> = {}) => ({
  __typename: 'Artifact',
  id: `script-${name}`,
  sha256: `${name}-sha`,
  name,
  title: `${name} title`,
  description: `${name} description`,
  searchSpace,
  defaultBudgetS,
  budgetKinds: null,
  computeUnit: null,
  defaultCompute: null,
  ...compute,
});

function options(balance = 100_000) {
  return {
    scripts: {
      __typename: 'QueryArtifactsConnection',
      edges: [
        { __typename: 'QueryArtifactsConnectionEdge', node: script('char-transformer', { lr: { type: 'loguniform', low: 0.002, high: 0.012 }, n_head: 4 }, 9) },
        { __typename: 'QueryArtifactsConnectionEdge', node: script('char-tiny', { lr: { type: 'loguniform', low: 0.01, high: 0.06 }, schedule: { type: 'choice', values: ['cosine', 'linear'] } }, 3) },
        {
          __typename: 'QueryArtifactsConnectionEdge',
          node: script('char-compute', { lr: { type: 'loguniform', low: 0.01, high: 0.06 } }, 5, { budgetKinds: ['COMPUTE', 'WALL'], computeUnit: 'TOKENS', defaultCompute: 2_000_000 }),
        },
      ],
    },
    datasets: {
      __typename: 'QueryArtifactsConnection',
      edges: [
        { __typename: 'QueryArtifactsConnectionEdge', node: { __typename: 'Artifact', id: 'd1', sha256: 'brown-sha', name: 'brown', title: 'Brown corpus', sizeBytes: 6_000_000, available: true, unavailableReason: null } },
        { __typename: 'QueryArtifactsConnectionEdge', node: { __typename: 'Artifact', id: 'd2', sha256: 'ts-sha', name: 'tinyshakespeare', title: 'TinyShakespeare', sizeBytes: 1_115_394, available: false, unavailableReason: 'TinyShakespeare is not available: set XEENET_DATASETS_DIR.' } },
      ],
    },
    me: { __typename: 'Account', id: 'acc-1', role: 'RESEARCHER', balance },
  };
}

function setup(submitBrief: (variables: Record<string, unknown>) => unknown, balance?: number) {
  const api = new FakeApi({
    NewBriefOptions: () => options(balance),
    EstimateCost: (variables) => {
      const budget = variables.budget as { kind: string; seconds?: number; amount?: number; maxWallS?: number };
      const perTask = budget.kind === 'WALL' ? Number(budget.seconds) : Number(budget.amount) / 1e6;
      return {
        estimateCampaignCost: {
          __typename: 'CostEstimate',
          taskCount: variables.taskCount,
          budgetS: budget.seconds ?? budget.maxWallS ?? 120,
          budget: { __typename: 'Budget', kind: budget.kind, seconds: budget.seconds ?? null, amount: budget.amount ?? null, unit: budget.kind === 'COMPUTE' ? 'TOKENS' : null, maxWallS: budget.kind === 'COMPUTE' ? (budget.maxWallS ?? 120) : null },
          creditsPerTaskSecond: budget.kind === 'WALL' ? 1 : 0,
          perTask,
          total: Number(variables.taskCount) * perTask,
        },
      };
    },
    SubmitBrief: (variables) => ({ submitBrief: submitBrief(variables) }),
    LayoutMe: () => ({ me: { __typename: 'Account', id: 'acc-1', name: 'Ada', role: 'RESEARCHER', balance: 1 } }),
  });
  return { api, ...renderPage(<NewBriefPage />, api) };
}

describe('NewBriefPage', () => {
  it('prefills the search space and budget from the default script, and from a newly chosen one', async () => {
    setup(() => null);
    const lrName = await screen.findByDisplayValue('lr');
    expect(lrName).toBeInTheDocument();
    expect(screen.getByDisplayValue('0.002')).toBeInTheDocument();
    expect(screen.getByLabelText('Budget per task (seconds)')).toHaveValue(9);
    // The unavailable dataset cannot be chosen; the available one is preselected.
    expect(screen.getByLabelText('Dataset')).toHaveValue('brown-sha');
    // and the page says how to provide the missing one.
    expect(screen.getByText('TinyShakespeare is not available: set XEENET_DATASETS_DIR.')).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByLabelText('Training script'), 'char-tiny-sha');
    expect(screen.getByDisplayValue('cosine, linear')).toBeInTheDocument();
    expect(screen.getByDisplayValue('0.01')).toBeInTheDocument();
    expect(screen.getByLabelText('Budget per task (seconds)')).toHaveValue(3);
  });

  it('shows the cost in credits before submitting, and warns when it exceeds the balance', async () => {
    setup(() => null, 100);
    await screen.findByDisplayValue('lr');
    const tasks = screen.getByLabelText('Tasks');
    await userEvent.clear(tasks);
    await userEvent.type(tasks, '50');
    expect(await screen.findByText('450 cr')).toBeInTheDocument();
    expect(screen.getByText(/50 tasks × 9 s × 1 credit per task-second/)).toBeInTheDocument();
    expect(screen.getByText(/costs more than your balance/)).toBeInTheDocument();
  });

  it('shows the API field errors inline, next to the field and the search-space bound they concern', async () => {
    const { api } = setup(() => ({
      __typename: 'ValidationError',
      message: 'invalid brief',
      fieldErrors: [
        { __typename: 'FieldError', path: ['name'], message: 'is required' },
        { __typename: 'FieldError', path: ['searchSpace', 'lr', 'low'], message: 'must be greater than 0 for a loguniform distribution' },
        { __typename: 'FieldError', path: ['taskCount'], message: 'at most 50,000 tasks per campaign' },
      ],
    }));
    await screen.findByDisplayValue('lr');
    const low = screen.getByDisplayValue('0.002');
    await userEvent.clear(low);
    await userEvent.type(low, '-1');
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));

    await waitFor(() => expect(screen.getByLabelText('Low')).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByLabelText('Low')).toHaveAccessibleDescription('must be greater than 0 for a loguniform distribution');
    expect(screen.getByLabelText('Campaign name')).toHaveAccessibleDescription('is required');
    expect(screen.getByLabelText('Tasks')).toHaveAccessibleDescription('at most 50,000 tasks per campaign');
    const summary = screen.getByRole('alert');
    expect(within(summary).getByRole('link', { name: 'Search space › lr › low' })).toBeInTheDocument();

    const sent = api.calls.find((call) => call.operationName === 'SubmitBrief')!.variables.input as Record<string, unknown>;
    expect(sent.searchSpace).toEqual({ lr: { type: 'loguniform', low: -1, high: 0.012 }, n_head: 4 });
    expect(sent).toMatchObject({ script: 'char-transformer-sha', dataset: 'brown-sha', taskCount: 20, budget: { kind: 'WALL', seconds: 9, hardware: 'CPU' }, seed: 0 });
  });

  it('sends the chosen strategy with its parameters and confirm before keep, and shows their API errors inline', async () => {
    const { api } = setup(() => ({
      __typename: 'ValidationError',
      message: 'invalid brief',
      fieldErrors: [{ __typename: 'FieldError', path: ['strategyOptions', 'eta'], message: 'at least 2' }],
    }));
    await screen.findByDisplayValue('lr');
    await userEvent.selectOptions(screen.getByLabelText('How experiments are chosen'), 'ASHA');
    expect(screen.getByText(/promoted to η× the budget/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('η (reduction factor)'), '1');
    await userEvent.click(screen.getByLabelText(/Confirm before keep/));
    await userEvent.clear(screen.getByLabelText('New seeds each'));
    await userEvent.type(screen.getByLabelText('New seeds each'), '4');
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));
    await waitFor(() => expect(screen.getByLabelText('η (reduction factor)')).toHaveAccessibleDescription(/at least 2/));
    const sent = api.calls.find((call) => call.operationName === 'SubmitBrief')!.variables.input as Record<string, unknown>;
    expect(sent).toMatchObject({ strategy: 'ASHA', strategyOptions: { eta: 1 }, confirm: { topK: 3, seeds: 4 } });
    expect(within(screen.getByRole('alert')).getByRole('link', { name: 'Strategy parameters › eta' })).toBeInTheDocument();
  });

  it('refuses a LOCAL baseline that is not a JSON object before sending anything', async () => {
    const { api } = setup(() => null);
    await screen.findByDisplayValue('lr');
    await userEvent.selectOptions(screen.getByLabelText('How experiments are chosen'), 'LOCAL');
    await userEvent.type(screen.getByLabelText('Baseline config (JSON)'), 'lr=0.1');
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));
    expect(await screen.findByText('This is not valid JSON.')).toBeInTheDocument();
    expect(api.calls.some((call) => call.operationName === 'SubmitBrief')).toBe(false);
  });

  it('offers a compute budget where the script accepts one, with its default amount and the quote for the work', async () => {
    const { api } = setup(() => null);
    await screen.findByDisplayValue('lr');
    // A wall-only script: the kind cannot change.
    expect(screen.getByLabelText('Budget kind')).toBeDisabled();
    await userEvent.selectOptions(screen.getByLabelText('Training script'), 'char-compute-sha');
    expect(screen.getByLabelText('Budget kind')).toHaveValue('COMPUTE');
    expect(screen.getByLabelText('Compute per task (training tokens)')).toHaveValue('2000000');
    expect(await screen.findByText(/20 tasks × 2 cr for the work each contains/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Wall-clock cap (seconds)'), '30');
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));
    await waitFor(() => expect(api.calls.some((call) => call.operationName === 'SubmitBrief')).toBe(true));
    const sent = api.calls.find((call) => call.operationName === 'SubmitBrief')!.variables.input as Record<string, unknown>;
    expect(sent.budget).toEqual({ kind: 'COMPUTE', amount: 2_000_000, maxWallS: 30 });
    // Back to wall seconds on a GPU.
    await userEvent.selectOptions(screen.getByLabelText('Budget kind'), 'WALL');
    await userEvent.selectOptions(screen.getByLabelText('Hardware class'), 'GPU');
    expect(screen.getByLabelText('Budget per task (seconds)')).toHaveValue(5);
  });

  it('explains insufficient credits in words', async () => {
    setup(() => ({ __typename: 'InsufficientCreditsError', message: 'not enough credits', required: 500, available: 120 }));
    await screen.findByDisplayValue('lr');
    await userEvent.type(screen.getByLabelText('Campaign name'), 'x');
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));
    expect(await screen.findByText(/needs 500 cr but you have 120 cr/)).toBeInTheDocument();
  });

  it('catches blank and repeated parameter names before sending anything', async () => {
    const { api } = setup(() => null);
    await screen.findByDisplayValue('lr');
    await userEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));
    expect(await screen.findAllByText('Give the parameter a name, or remove the row.')).not.toHaveLength(0);
    expect(api.calls.some((call) => call.operationName === 'SubmitBrief')).toBe(false);
  });

  it('opens the new campaign after a successful submission', async () => {
    setup(() => ({ __typename: 'MutationSubmitBriefSuccess', data: { __typename: 'Campaign', id: 'new-id', name: 'x' } }));
    await screen.findByDisplayValue('lr');
    await userEvent.type(screen.getByLabelText('Campaign name'), 'Schedules');
    await userEvent.type(screen.getByLabelText('Hypothesis'), 'cosine wins');
    await userEvent.click(screen.getByRole('button', { name: /Submit brief/ }));
    expect(await screen.findByText('elsewhere')).toBeInTheDocument();
  });
});
