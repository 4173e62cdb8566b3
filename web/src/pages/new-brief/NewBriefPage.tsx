import { useMutation, useQuery } from '@apollo/client/react';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { Loading } from '../../components/Loading';
import { graphql } from '../../gql';
import type { SearchStrategy, Visibility } from '../../gql/graphql';
import { formatCredits } from '../../lib/format';
import { type BudgetText, budgetKindsOf, parseBudget } from './budget';
import { BudgetFields } from './BudgetFields';
import { CostQuote, useCostQuote } from './CostQuote';
import { DatasetPicker } from './DatasetPicker';
import { type FieldError, FieldErrors } from './field-errors';
import { localRowErrors, type ParamRow, rowsFromSpace, spaceFromRows } from './search-space';
import { paramInputId, SearchSpaceEditor } from './SearchSpaceEditor';
import { type OptionText, parseOptions } from './strategy-options';
import { type ConfirmText, StrategyFields } from './StrategyFields';

const NewBriefOptions = graphql(`
  query NewBriefOptions {
    scripts: artifacts(kind: SCRIPT, first: 100) {
      edges {
        node {
          id
          sha256
          name
          title
          description
          searchSpace
          defaultBudgetS
          budgetKinds
          computeUnit
          defaultCompute
        }
      }
    }
    datasets: artifacts(kind: DATASET, first: 100) {
      edges {
        node {
          ...DatasetOption
        }
      }
    }
    me {
      id
      role
      balance
    }
  }
`);

const SubmitBrief = graphql(`
  mutation SubmitBrief($input: SubmitBriefInput!) {
    submitBrief(input: $input) {
      __typename
      ... on MutationSubmitBriefSuccess {
        data {
          id
          name
        }
      }
      ... on ValidationError {
        fieldErrors {
          path
          message
        }
      }
      ... on InsufficientCreditsError {
        required
        available
      }
      ... on Error {
        message
      }
    }
  }
`);

interface BriefForm {
  name: string;
  hypothesis: string;
  script: string;
  dataset: string;
  strategy: SearchStrategy;
  strategyOptions: OptionText;
  confirm: ConfirmText;
  taskCount: string;
  budget: BudgetText;
  seed: string;
  maxAttempts: string;
  visibility: Visibility;
  allowSimulated: boolean;
}

const INITIAL: BriefForm = {
  name: '',
  hypothesis: '',
  script: '',
  dataset: '',
  strategy: 'RANDOM',
  strategyOptions: {},
  confirm: { enabled: false, topK: '3', seeds: '2' },
  taskCount: '20',
  budget: { kind: 'WALL', seconds: '60', hardware: 'CPU', amount: '', maxWallS: '' },
  seed: '0',
  maxAttempts: '3',
  visibility: 'PRIVATE',
  allowSimulated: false,
};

const FIELD_LABELS: Record<string, string> = {
  name: 'Campaign name',
  hypothesis: 'Hypothesis',
  script: 'Training script',
  dataset: 'Dataset',
  searchSpace: 'Search space',
  strategy: 'Strategy',
  strategyOptions: 'Strategy parameters',
  confirm: 'Confirm before keep',
  taskCount: 'Tasks',
  budgetS: 'Budget per task',
  budget: 'Budget',
  seed: 'Seed',
  maxAttempts: 'Attempts per task',
  visibility: 'Visibility',
  allowSimulated: 'Simulated workers',
};

const DEFAULT_SCRIPT = 'char-transformer';
const DEFAULT_DATASET = 'tinyshakespeare';

function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : null;
}

export function NewBriefPage() {
  const navigate = useNavigate();
  const options = useQuery(NewBriefOptions);
  const [form, setForm] = useState<BriefForm>(INITIAL);
  const [rows, setRows] = useState<ParamRow[]>([]);
  const [spaceSource, setSpaceSource] = useState<string | undefined>();
  const [serverErrors, setServerErrors] = useState<FieldError[]>([]);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState(0);
  const summary = useRef<HTMLDivElement>(null);
  const [submit, submission] = useMutation(SubmitBrief);

  const scripts = useMemo(() => options.data?.scripts.edges.map((edge) => edge.node) ?? [], [options.data]);
  const datasets = useMemo(() => options.data?.datasets.edges.map((edge) => edge.node) ?? [], [options.data]);
  const me = options.data?.me;
  const script = scripts.find((candidate) => candidate.sha256 === form.script);

  const set = <K extends keyof BriefForm>(key: K, value: BriefForm[K]) => setForm((current) => ({ ...current, [key]: value }));

  function chooseScript(sha256: string) {
    const chosen = scripts.find((candidate) => candidate.sha256 === sha256);
    // The script's own defaults: a compute budget when it accepts one, its default seconds otherwise.
    const kinds = budgetKindsOf(chosen);
    setForm((current) => ({
      ...current,
      script: sha256,
      budget: {
        ...current.budget,
        kind: kinds.includes('COMPUTE') ? 'COMPUTE' : 'WALL',
        seconds: chosen?.defaultBudgetS != null ? String(chosen.defaultBudgetS) : current.budget.seconds,
        amount: chosen?.defaultCompute != null ? String(chosen.defaultCompute) : current.budget.amount,
      },
    }));
    if (chosen?.searchSpace) {
      setRows(rowsFromSpace(chosen.searchSpace));
      setSpaceSource(`${chosen.title}'s default space`);
    }
  }

  // Prefill from the default script and dataset once the options arrive.
  useEffect(() => {
    if (form.script || scripts.length === 0) return;
    const preferred = scripts.find((candidate) => candidate.name === DEFAULT_SCRIPT) ?? scripts[0]!;
    chooseScript(preferred.sha256);
  }, [scripts]);
  useEffect(() => {
    if (form.dataset || datasets.length === 0) return;
    const available = datasets.filter((dataset) => dataset.available);
    const preferred = available.find((dataset) => dataset.name === DEFAULT_DATASET) ?? available[0];
    if (preferred) set('dataset', preferred.sha256);
  }, [datasets, form.dataset]);

  const taskCount = wholeNumber(form.taskCount);
  const parsedBudget = parseBudget(form.budget);
  const budget = parsedBudget.budget;
  const quote = useCostQuote(taskCount, budget, form.script || null);
  const cost = quote.cost;
  const overBudget = Boolean(cost && me?.balance != null && cost.total > me.balance);

  const errors = useMemo(() => new FieldErrors(serverErrors), [serverErrors]);
  const rowErrors = useMemo(() => (submitted ? localRowErrors(rows) : new Map<string, string>()), [rows, submitted]);
  const fieldError = (...path: string[]) => localErrors[path.join('.')] ?? errors.at(...path);

  // After a failed submission, bring the summary into view and focus it.
  useEffect(() => {
    if (submitted && (serverErrors.length || Object.keys(localErrors).length || formError || rowErrors.size)) summary.current?.focus();
  }, [submitted]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    setServerErrors([]);
    const local: Record<string, string> = {};
    const seed = wholeNumber(form.seed);
    const maxAttempts = wholeNumber(form.maxAttempts);
    if (taskCount === null) local.taskCount = 'Enter a whole number of tasks.';
    Object.assign(local, parsedBudget.errors);
    if (seed === null) local.seed = 'Enter a whole number (0 is fine).';
    if (maxAttempts === null) local.maxAttempts = 'Enter a whole number from 1 to 10.';
    const parsedOptions = parseOptions(form.strategy, form.strategyOptions);
    for (const [key, message] of Object.entries(parsedOptions.errors)) local[`strategyOptions.${key}`] = message;
    const topK = wholeNumber(form.confirm.topK);
    const confirmSeeds = wholeNumber(form.confirm.seeds);
    if (form.confirm.enabled && topK === null) local['confirm.topK'] = 'Enter a whole number from 1 to 50.';
    if (form.confirm.enabled && confirmSeeds === null) local['confirm.seeds'] = 'Enter a whole number from 1 to 20.';
    const rowProblems = localRowErrors(rows);
    setLocalErrors(local);
    setSubmitted((count) => count + 1);
    if (Object.keys(local).length || rowProblems.size || taskCount === null || budget === null || seed === null || maxAttempts === null) return;

    try {
      const { data } = await submit({
        variables: {
          input: {
            name: form.name,
            hypothesis: form.hypothesis,
            script: form.script,
            dataset: form.dataset,
            searchSpace: spaceFromRows(rows),
            strategy: form.strategy,
            strategyOptions: parsedOptions.options,
            confirm: form.confirm.enabled && topK !== null && confirmSeeds !== null ? { topK, seeds: confirmSeeds } : null,
            taskCount,
            budget,
            seed,
            maxAttempts,
            visibility: form.visibility,
            allowSimulated: form.allowSimulated,
          },
        },
        update(cache, result) {
          if (result.data?.submitBrief.__typename === 'MutationSubmitBriefSuccess') {
            // Lists loaded before it are stale (the escrowed balance arrives through balanceChanged).
            cache.evict({ id: 'ROOT_QUERY', fieldName: 'campaigns' });
            cache.gc();
          }
        },
      });
      const result = data?.submitBrief;
      if (!result) return;
      switch (result.__typename) {
        case 'MutationSubmitBriefSuccess':
          void navigate(`/campaigns/${encodeURIComponent(result.data.id)}`);
          return;
        case 'ValidationError':
          setServerErrors(result.fieldErrors);
          if (!result.fieldErrors.length) setFormError(result.message);
          return;
        case 'InsufficientCreditsError':
          setFormError(
            `This brief needs ${formatCredits(result.required)} but you have ${formatCredits(result.available)}. Run fewer tasks or shorter budgets, or ask an admin for credits.`,
          );
          return;
        default:
          setFormError(`${result.message}.`);
      }
    } catch {
      // Network or server failure: submission.error explains it in the summary.
    } finally {
      summary.current?.focus();
    }
  }

  if (options.error && !options.data) return <ErrorNotice error={options.error} what="scripts and datasets" onRetry={() => void options.refetch()} />;
  if (!options.data) return <Loading what="scripts and datasets" />;

  const summaryItems = [
    ...Object.entries(localErrors).map(([path, message]) => ({ path: path.split('.'), message })),
    ...[...rowErrors].map(([key, message]) => ({ path: ['searchSpace', key], message, rowKey: key })),
    ...errors.all(),
  ];
  const cannotResearch = me?.role === 'WORKER';

  function targetId(path: string[], rowKey?: string): string {
    if (rowKey) return paramInputId({ key: rowKey }, 'name');
    if ((path[0] === 'strategyOptions' || path[0] === 'confirm') && path[1]) return `brief-${path[0]}-${path[1]}`;
    if (path[0] === 'budget' && path[1]) return path[1] === 'seconds' ? 'brief-budgetS' : `brief-budget-${path[1]}`;
    if (path[0] === 'searchSpace' && path[1]) {
      const row = rows.find((candidate) => candidate.name.trim() === path[1]);
      if (row) {
        const field = path[2] && ['type', 'low', 'high', 'step', 'points', 'values'].includes(path[2]) ? path[2] : 'name';
        return paramInputId(row, field);
      }
    }
    return `brief-${path[0] ?? 'name'}`;
  }

  function describe(path: string[]): string {
    if (path[0] === 'searchSpace' && path.length > 1) return `Search space › ${path.slice(1).join(' › ')}`;
    const label = FIELD_LABELS[path[0] ?? ''];
    if (label && path.length > 1) return `${label} › ${path.slice(1).join(' › ')}`;
    return label ?? path.join('.');
  }

  return (
    <section aria-labelledby="brief-title">
      <div className="page-head">
        <h1 id="brief-title">New brief</h1>
      </div>
      {cannotResearch && (
        <p className="notice notice--warning">This account is a worker account: only researchers and admins can submit briefs.</p>
      )}
      <form className="brief" onSubmit={(event) => void onSubmit(event)} noValidate>
        <div ref={summary} tabIndex={-1} className="brief__summary">
          {(summaryItems.length > 0 || formError) && (
            <div className="notice notice--error" role="alert">
              <p className="notice__title">{formError ?? 'The brief was not submitted. Fix these fields and submit again:'}</p>
              {summaryItems.length > 0 && (
                <ul>
                  {summaryItems.map((item, index) => (
                    <li key={index}>
                      <a
                        href={`#${targetId(item.path, 'rowKey' in item ? (item.rowKey as string) : undefined)}`}
                        onClick={(event) => {
                          event.preventDefault();
                          document.getElementById(targetId(item.path, 'rowKey' in item ? (item.rowKey as string) : undefined))?.focus();
                        }}
                      >
                        {'rowKey' in item ? 'Search space' : describe(item.path)}
                      </a>
                      : {item.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {submission.error && <ErrorNotice error={submission.error} what="the brief" />}
        </div>

        <div className="card brief__section">
          <h2>Hypothesis</h2>
          <Field id="brief-name" label="Campaign name" error={fieldError('name')}>
            <input value={form.name} onChange={(event) => set('name', event.target.value)} maxLength={200} required />
          </Field>
          <Field
            id="brief-hypothesis"
            label="Hypothesis"
            error={fieldError('hypothesis')}
            hint="What you expect to learn, e.g. “a cosine schedule beats linear decay at small budgets”."
          >
            <textarea value={form.hypothesis} onChange={(event) => set('hypothesis', event.target.value)} rows={3} required />
          </Field>
        </div>

        <div className="card brief__section">
          <h2>Experiment</h2>
          <Field id="brief-script" label="Training script" error={fieldError('script')} hint={script?.description ?? undefined}>
            <select value={form.script} onChange={(event) => chooseScript(event.target.value)}>
              {scripts.length === 0 && <option value="">No training scripts are registered</option>}
              {scripts.map((candidate) => (
                <option key={candidate.sha256} value={candidate.sha256}>
                  {candidate.title} ({candidate.name})
                </option>
              ))}
            </select>
          </Field>
          {scripts.length === 0 && (
            <p className="notice notice--warning">
              The API has no training scripts registered. It registers them from training-scripts/manifest.json at start: check that
              the file exists and restart the API.
            </p>
          )}
          <DatasetPicker
            datasets={datasets}
            value={form.dataset}
            onChange={(sha256) => set('dataset', sha256)}
            error={fieldError('dataset')}
            onUploaded={async () => {
              await options.refetch();
            }}
          />
          <SearchSpaceEditor rows={rows} onChange={setRows} errors={errors} localErrors={rowErrors} source={spaceSource} />
        </div>

        <div className="card brief__section">
          <h2>Budget</h2>
          <StrategyFields
            strategy={form.strategy}
            options={form.strategyOptions}
            confirm={form.confirm}
            onStrategy={(strategy) => setForm((current) => ({ ...current, strategy, strategyOptions: {} }))}
            onOption={(key, value) => setForm((current) => ({ ...current, strategyOptions: { ...current.strategyOptions, [key]: value } }))}
            onConfirm={(confirm) => set('confirm', confirm)}
            error={fieldError}
          />
          <div className="grid-fields">
            <Field id="brief-taskCount" label="Tasks" error={fieldError('taskCount')}>
              <input type="number" min={1} step={1} inputMode="numeric" value={form.taskCount} onChange={(event) => set('taskCount', event.target.value)} />
            </Field>
            <BudgetFields
              budget={form.budget}
              kinds={budgetKindsOf(script)}
              unit={script?.computeUnit}
              onChange={(next) => set('budget', next)}
              error={fieldError}
            />
            <Field id="brief-seed" label="Seed" error={fieldError('seed')} hint="Same brief and seed, same task configs.">
              <input type="number" min={0} step={1} inputMode="numeric" value={form.seed} onChange={(event) => set('seed', event.target.value)} />
            </Field>
            <Field id="brief-maxAttempts" label="Attempts per task" error={fieldError('maxAttempts')}>
              <input type="number" min={1} max={10} step={1} inputMode="numeric" value={form.maxAttempts} onChange={(event) => set('maxAttempts', event.target.value)} />
            </Field>
            <Field id="brief-visibility" label="Visibility" error={fieldError('visibility')}>
              <select value={form.visibility} onChange={(event) => set('visibility', event.target.value as Visibility)}>
                <option value="PRIVATE">Private (you and admins)</option>
                <option value="PUBLIC">Public (every signed-in user)</option>
              </select>
            </Field>
          </div>
          <div className="field field--check">
            <input id="brief-allowSimulated" type="checkbox" checked={form.allowSimulated} onChange={(event) => set('allowSimulated', event.target.checked)} />
            <label htmlFor="brief-allowSimulated">Let simulated workers take tasks (demos and tests; their results are marked and left out of the statistics)</label>
          </div>

          <CostQuote quote={quote} balance={me?.balance ?? null} overBudget={overBudget} waiting={Boolean(taskCount && budget && taskCount > 0)} />
        </div>

        <div className="brief__actions">
          <button type="submit" className="button button--primary" disabled={submission.loading || cannotResearch}>
            {submission.loading ? 'Submitting…' : cost ? `Submit brief (${formatCredits(cost.total)})` : 'Submit brief'}
          </button>
          <Link to="/campaigns" className="button button--quiet">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
