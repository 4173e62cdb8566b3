import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import { SimulatedMarker, StatusBadge } from '../../components/StatusBadge';
import { graphql } from '../../gql';
import type { TaskMark, TaskRowFragment, ValidationState } from '../../gql/graphql';
import { formatBpb, formatInt, formatParam, formatSeconds } from '../../lib/format';
import { configOf, type FixedSortKey, filterTasks, type Sort, type SortKey, sortTasks, type TaskFilter } from './task-sort';

export { filterTasks, sortTasks };

export const TaskRow = graphql(`
  fragment TaskRow on Task {
    id
    index
    status
    config
    valBpb
    simulated
    attempts
    failureReason
    finishedAt
    updatedAt
    description
    parentId
    mark
    role
    budgetScale
    validation
    progress {
      step
      elapsedS
    }
    worker {
      name
    }
    result {
      steps
      wallS
      trainLoss
    }
  }
`);

export const ROW_HEIGHT = 40;

interface Props {
  tasks: readonly TaskRowFragment[];
  /** Hyperparameters shown as columns (the searched ones). */
  paramKeys: readonly string[];
  totalCount: number | null;
  complete: boolean;
  /** The campaign's per-task budget, for running tasks' progress. */
  budgetS: number;
  /** Height of the scrolling viewport in px. */
  height?: number;
}

const COLUMNS: { key: FixedSortKey; label: string; numeric?: boolean; width: number }[] = [
  { key: 'index', label: '#', numeric: true, width: 64 },
  { key: 'status', label: 'Status', width: 190 },
  { key: 'mark', label: 'Mark', width: 90 },
  { key: 'proposal', label: 'Proposal', width: 260 },
  { key: 'worker', label: 'Worker', width: 140 },
  { key: 'valBpb', label: 'val_bpb', numeric: true, width: 100 },
  { key: 'steps', label: 'Steps', numeric: true, width: 80 },
  { key: 'wallS', label: 'Wall time', numeric: true, width: 96 },
  { key: 'trainLoss', label: 'Train loss', numeric: true, width: 96 },
];

export function TaskTable({ tasks, paramKeys, totalCount, complete, budgetS, height = 520 }: Props) {
  const id = useId();
  const [sort, setSort] = useState<Sort>({ key: 'index', direction: 'asc' });
  const [filter, setFilter] = useState<TaskFilter>({ status: 'ALL', text: '', hideSimulated: false, verifiedOnly: false });
  const deferredFilter = useDeferredValue(filter);
  const deferredSort = useDeferredValue(sort);
  const rows = useMemo(() => sortTasks(filterTasks(tasks, deferredFilter), deferredSort), [tasks, deferredFilter, deferredSort]);
  // Parents are named by index: resolved against the loaded tasks, not read one by one.
  const indexOf = useMemo(() => new Map(tasks.map((task) => [task.id, task.index])), [tasks]);
  const scroller = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 1024, height },
    getItemKey: (i) => rows[i]!.id,
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  function toggle(key: SortKey) {
    setSort((current) =>
      current.key === key
        ? { key, direction: current.direction === 'asc' ? 'desc' : 'asc' }
        : { key, direction: key === 'index' || key === 'valBpb' || key === 'mark' || key === 'proposal' || key.startsWith('config:') ? 'asc' : 'desc' },
    );
  }

  function header(key: SortKey, label: string, numeric = false) {
    const active = sort.key === key;
    return (
      <th key={key} scope="col" className={numeric ? 'num' : undefined} aria-sort={active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" className="sort" onClick={() => toggle(key)}>
          {label}
          <span aria-hidden="true" className="sort__arrow">
            {active ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
          </span>
        </button>
      </th>
    );
  }

  const width = COLUMNS.reduce((sum, column) => sum + column.width, 0) + paramKeys.length * 110;
  const loaded = tasks.length;

  // The count changes with every page and event; screen readers hear it only when loading ends
  // or the filters change (set during render when that key changes, not on every flush).
  const filterKey = `${deferredFilter.status}|${deferredFilter.text}|${deferredFilter.hideSimulated}|${deferredFilter.verifiedOnly}`;
  const [announced, setAnnounced] = useState({ filterKey, complete, text: '' });
  if (announced.filterKey !== filterKey || announced.complete !== complete) {
    let text = '';
    if (complete || announced.filterKey !== filterKey) {
      if (rows.length !== loaded) text = `${formatInt(rows.length)} of ${formatInt(loaded)} ${complete ? '' : 'loaded '}tasks match the filters.`;
      else text = complete ? `All ${formatInt(loaded)} tasks loaded.` : `${formatInt(loaded)} tasks loaded so far.`;
    }
    setAnnounced({ filterKey, complete, text });
  }

  return (
    <section className="tasks" aria-labelledby={`${id}-title`}>
      <div className="tasks__head">
        <h2 id={`${id}-title`}>Tasks</h2>
        <p className="muted small" data-testid="task-count">
          {rows.length === loaded ? `${formatInt(loaded)} tasks` : `${formatInt(rows.length)} of ${formatInt(loaded)} tasks`}
          {!complete && totalCount != null && ` · loading ${formatInt(loaded)}/${formatInt(totalCount)}…`}
        </p>
      </div>
      <p className="visually-hidden" aria-live="polite" data-testid="task-count-announcement">
        {announced.text}
      </p>
      <div className="filters" role="group" aria-label="Filter tasks">
        <div className="field field--inline">
          <label htmlFor={`${id}-status`}>Status</label>
          <select
            id={`${id}-status`}
            value={filter.status}
            onChange={(event) => setFilter((current) => ({ ...current, status: event.target.value as TaskFilter['status'] }))}
          >
            <option value="ALL">Any</option>
            <option value="QUEUED">Queued</option>
            <option value="LEASED">Running</option>
            <option value="SUCCEEDED">Succeeded</option>
            <option value="FAILED">Failed</option>
            <option value="CANCELLED">Cancelled</option>
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor={`${id}-text`}>Find</label>
          <input
            id={`${id}-text`}
            type="search"
            placeholder="worker, #index or lr=0.001"
            value={filter.text}
            onChange={(event) => setFilter((current) => ({ ...current, text: event.target.value }))}
          />
        </div>
        <div className="field field--check">
          <input
            id={`${id}-sim`}
            type="checkbox"
            checked={filter.hideSimulated}
            onChange={(event) => setFilter((current) => ({ ...current, hideSimulated: event.target.checked }))}
          />
          <label htmlFor={`${id}-sim`}>Hide simulated</label>
        </div>
        <div className="field field--check">
          <input
            id={`${id}-verified`}
            type="checkbox"
            checked={filter.verifiedOnly}
            onChange={(event) => setFilter((current) => ({ ...current, verifiedOnly: event.target.checked }))}
          />
          <label htmlFor={`${id}-verified`}>Verified only</label>
        </div>
      </div>
      <div
        ref={scroller}
        className="tasks__scroll"
        style={{ height }}
        tabIndex={0}
        role="region"
        aria-label={`Task table, ${formatInt(rows.length)} rows; scroll to see more`}
        data-testid="task-scroll"
      >
        <table className="table table--tasks" style={{ width, minWidth: '100%' }} aria-rowcount={rows.length + 1}>
          <colgroup>
            {COLUMNS.map((column) => (
              <col key={column.key} style={{ width: column.width }} />
            ))}
            {paramKeys.map((key) => (
              <col key={key} style={{ width: 110 }} />
            ))}
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => header(column.key, column.label, column.numeric))}
              {paramKeys.map((key) => header(`config:${key}`, key, true))}
            </tr>
          </thead>
          <tbody>
            {padTop > 0 && (
              <tr aria-hidden="true" className="spacer">
                <td style={{ height: padTop }} colSpan={COLUMNS.length + paramKeys.length} />
              </tr>
            )}
            {items.map((item) => {
              const task = rows[item.index]!;
              return <Row key={item.key} task={task} paramKeys={paramKeys} budgetS={budgetS} rowIndex={item.index + 2} indexOf={indexOf} />;
            })}
            {padBottom > 0 && (
              <tr aria-hidden="true" className="spacer">
                <td style={{ height: padBottom }} colSpan={COLUMNS.length + paramKeys.length} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && (
          <p className="tasks__empty">
            {loaded === 0 ? (complete ? 'This campaign has no tasks.' : 'Loading tasks…') : 'No task matches these filters. Change or clear them above.'}
          </p>
        )}
      </div>
    </section>
  );
}

function StatusCell({ task, budgetS }: { task: TaskRowFragment; budgetS: number }) {
  if (task.status === 'LEASED') {
    const elapsed = task.progress?.elapsedS;
    const share = elapsed != null && budgetS > 0 ? Math.min(1, elapsed / budgetS) : 0;
    return (
      <span className="status-cell">
        <StatusBadge status={task.status} />
        <span className="muted small">
          {task.progress?.step != null ? `step ${formatInt(task.progress.step)}` : 'starting'}
          {elapsed != null ? ` · ${formatSeconds(elapsed)}` : ''}
        </span>
        <span className="mini-progress" aria-hidden="true">
          <span style={{ width: `${share * 100}%` }} />
        </span>
      </span>
    );
  }
  return (
    <span className="status-cell" title={task.failureReason ?? undefined}>
      <StatusBadge status={task.status} />
      {task.status === 'FAILED' && task.failureReason && <span className="muted small truncate">{task.failureReason}</span>}
      {task.attempts > 1 && task.status !== 'FAILED' && <span className="muted small">attempt {task.attempts}</span>}
    </span>
  );
}

const VERIFICATION_LABEL: Record<ValidationState, { text: string; title: string }> = {
  VALID: { text: '✓', title: 'verified: independent replays agreed' },
  PENDING: { text: 'pending', title: 'awaiting independent replays; not in the figures yet' },
  INVALID: { text: 'invalid', title: 'outvoted by replays; left out of every figure' },
  INCONCLUSIVE: { text: 'inconclusive', title: 'replays reached no majority; left out of the figures' },
};

/** The verdict on a result (nothing with verification off). */
export function VerificationBadge({ state }: { state: ValidationState | null | undefined }) {
  if (!state) return null;
  const label = VERIFICATION_LABEL[state];
  return (
    <span className={`verify verify--${state.toLowerCase()}`} title={label.title} aria-label={label.title} data-testid="verification">
      {' '}
      {label.text}
    </span>
  );
}

const MARK_LABEL: Record<TaskMark, string> = { KEEP: 'keep', DISCARD: 'discard', CRASH: 'crash' };

/** autoresearch's results.tsv status: kept (better than its reference), discarded, or crashed. */
export function MarkBadge({ mark }: { mark: TaskMark | null | undefined }) {
  if (!mark) return <span className="muted">—</span>;
  return (
    <span className={`mark mark--${mark.toLowerCase()}`} data-testid="mark">
      {MARK_LABEL[mark]}
    </span>
  );
}

/** What the strategy or agent proposed and why, its parent, and whether it is a replicate or an ASHA promotion. */
function ProposalCell({ task, indexOf }: { task: TaskRowFragment; indexOf: ReadonlyMap<string, number> }) {
  const parent = task.parentId ? indexOf.get(task.parentId) : undefined;
  const tags: string[] = [];
  if (task.role === 'CONFIRM') tags.push('replicate');
  if (task.budgetScale !== 1) tags.push(`×${Number(task.budgetScale.toPrecision(3))} budget`);
  if (task.parentId) tags.push(parent !== undefined ? `from #${parent}` : 'from a task not loaded yet');
  const text = task.description ?? '';
  return (
    <span className="proposal-cell" title={[text, ...tags].filter(Boolean).join(' · ') || undefined}>
      <span className="truncate">{text || <span className="muted">—</span>}</span>
      {tags.length > 0 && <span className="muted small truncate">{tags.join(' · ')}</span>}
    </span>
  );
}

function Row({
  task,
  paramKeys,
  budgetS,
  rowIndex,
  indexOf,
}: {
  task: TaskRowFragment;
  paramKeys: readonly string[];
  budgetS: number;
  rowIndex: number;
  indexOf: ReadonlyMap<string, number>;
}) {
  const config = configOf(task);
  return (
    <tr aria-rowindex={rowIndex} data-task-index={task.index} data-status={task.status} style={{ height: ROW_HEIGHT }}>
      <td className="num">{task.index}</td>
      <td>
        <StatusCell task={task} budgetS={budgetS} />
      </td>
      <td>
        <MarkBadge mark={task.mark} />
      </td>
      <td>
        <ProposalCell task={task} indexOf={indexOf} />
      </td>
      <td className="truncate">{task.worker?.name ?? '—'}</td>
      <td className="num">
        {formatBpb(task.valBpb)}
        <VerificationBadge state={task.validation} />
        {task.simulated && (
          <>
            {' '}
            <SimulatedMarker />
          </>
        )}
      </td>
      <td className="num">{formatInt(task.result?.steps ?? (task.status === 'LEASED' ? task.progress?.step : null))}</td>
      <td className="num">{formatSeconds(task.result?.wallS)}</td>
      <td className="num">{task.result?.trainLoss != null ? task.result.trainLoss.toFixed(4) : '—'}</td>
      {paramKeys.map((key) => (
        <td key={key} className="num truncate">
          {formatParam(config[key])}
        </td>
      ))}
    </tr>
  );
}
