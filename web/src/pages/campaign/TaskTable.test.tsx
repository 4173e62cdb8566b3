import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { TaskRowFragment } from '../../gql/graphql';
import { succeeded, task } from '../../test/fixtures';
import { filterTasks, sortTasks, TaskTable } from './TaskTable';

const many = (n: number) =>
  Array.from({ length: n }, (_, i) => (i % 3 === 0 ? succeeded(i, 3 - (i % 97) / 100) : task(i))) as unknown as TaskRowFragment[];

const rowIndexes = () => [...document.querySelectorAll('tr[data-task-index]')].map((row) => Number(row.getAttribute('data-task-index')));

describe('TaskTable', () => {
  it('marks each result verified, pending, invalid or inconclusive, and filters to verified ones', async () => {
    const tasks = [
      succeeded(0, 2.5, { validation: 'VALID' }),
      succeeded(1, 2.1, { validation: 'PENDING' }),
      succeeded(2, 2.0, { validation: 'INVALID' }),
      succeeded(3, 2.2, { validation: 'INCONCLUSIVE' }),
      task(4),
    ] as unknown as TaskRowFragment[];
    render(<TaskTable tasks={tasks} paramKeys={['lr']} totalCount={5} complete budgetS={3} />);
    const badge = (index: number) => document.querySelector(`tr[data-task-index="${index}"] [data-testid="verification"]`)?.getAttribute('aria-label');
    expect(badge(0)).toMatch(/^verified/);
    expect(badge(1)).toMatch(/^awaiting independent replays/);
    expect(badge(2)).toMatch(/^outvoted/);
    expect(badge(3)).toMatch(/no majority/);
    expect(badge(4)).toBeUndefined();
    await userEvent.click(screen.getByLabelText('Verified only'));
    expect(rowIndexes()).toEqual([0]);
  });

  it('shows each proposal with its description, parent, rung and replicate role, and its keep / discard mark', async () => {
    const tasks = [
      succeeded(0, 2.5, { description: 'baseline' }),
      succeeded(1, 2.3, { description: 'lr ×3: the loss was still falling', parentId: 'task-0', mark: 'KEEP' }),
      succeeded(2, 2.6, { description: 'dropout 0.1', parentId: 'task-1', mark: 'DISCARD' }),
      task(3, { description: 'promoted to the next rung', parentId: 'task-1', budgetScale: 3 }),
      task(4, { role: 'CONFIRM', parentId: 'task-1', status: 'FAILED', mark: 'CRASH' }),
    ] as unknown as TaskRowFragment[];
    render(<TaskTable tasks={tasks} paramKeys={['lr']} totalCount={5} complete budgetS={3} />);
    const row = (index: number) => document.querySelector(`tr[data-task-index="${index}"]`) as HTMLElement;
    expect(within(row(1)).getByText('lr ×3: the loss was still falling')).toBeInTheDocument();
    expect(within(row(1)).getByText('from #0')).toBeInTheDocument();
    expect(within(row(1)).getByTestId('mark')).toHaveTextContent('keep');
    expect(within(row(2)).getByTestId('mark')).toHaveTextContent('discard');
    expect(within(row(3)).getByText('×3 budget · from #1')).toBeInTheDocument();
    expect(within(row(4)).getByText('replicate · from #1')).toBeInTheDocument();
    expect(within(row(4)).getByTestId('mark')).toHaveTextContent('crash');
    // Sorting by mark puts kept results first; finding "discard" finds the discarded one.
    await userEvent.click(screen.getByRole('button', { name: /^Mark/ }));
    expect(rowIndexes().slice(0, 1)).toEqual([0]);
    await userEvent.type(screen.getByLabelText('Find'), 'discard');
    expect(rowIndexes()).toEqual([2]);
  });

  it('renders a window of rows, not ten thousand', () => {
    render(<TaskTable tasks={many(10_000)} paramKeys={['lr', 'schedule']} totalCount={10_000} complete budgetS={3} height={400} />);
    const rendered = rowIndexes();
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(60);
    expect(rendered[0]).toBe(0);
    expect(screen.getByTestId('task-count')).toHaveTextContent('10,000 tasks');
  });

  it('sorts by a column from its header button, both ways, with aria-sort', async () => {
    render(<TaskTable tasks={many(30)} paramKeys={['lr']} totalCount={30} complete budgetS={3} />);
    const header = screen.getByRole('button', { name: /val_bpb/ });
    await userEvent.click(header);
    expect(header.closest('th')).toHaveAttribute('aria-sort', 'ascending');
    const ascending = rowIndexes();
    // Lowest val_bpb first; tasks without a result last.
    expect(ascending[0]).toBe(27);
    await userEvent.click(header);
    expect(header.closest('th')).toHaveAttribute('aria-sort', 'descending');
    expect(rowIndexes()[0]).toBe(0);
  });

  it('filters by status and text, and says when nothing matches', async () => {
    render(<TaskTable tasks={many(12)} paramKeys={['lr']} totalCount={12} complete budgetS={3} />);
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'SUCCEEDED');
    expect(rowIndexes()).toEqual([0, 3, 6, 9]);
    expect(screen.getByTestId('task-count')).toHaveTextContent('4 of 12 tasks');
    await userEvent.type(screen.getByLabelText('Find'), 'no-such-worker');
    expect(screen.getByText(/No task matches these filters/)).toBeInTheDocument();
  });

  it('announces the count when loading ends or the filters change, not on every page or event', async () => {
    const props = { paramKeys: ['lr'], totalCount: 12, budgetS: 3 };
    const view = render(<TaskTable tasks={many(3)} complete={false} {...props} />);
    const announcement = screen.getByTestId('task-count-announcement');
    // The visible count updates every flush; it is not a live region.
    expect(screen.getByTestId('task-count')).not.toHaveAttribute('aria-live');
    expect(announcement).toHaveAttribute('aria-live', 'polite');
    view.rerender(<TaskTable tasks={many(6)} complete={false} {...props} />);
    view.rerender(<TaskTable tasks={many(9)} complete={false} {...props} />);
    expect(announcement).toHaveTextContent(/^$/);
    view.rerender(<TaskTable tasks={many(12)} complete {...props} />);
    expect(announcement).toHaveTextContent('All 12 tasks loaded.');
    // A live event changes rows, not the announcement.
    view.rerender(<TaskTable tasks={[...many(12)]} complete {...props} />);
    expect(announcement).toHaveTextContent('All 12 tasks loaded.');
    await userEvent.selectOptions(screen.getByLabelText('Status'), 'SUCCEEDED');
    expect(announcement).toHaveTextContent('4 of 12 tasks match the filters.');
  });

  it('shows live progress for running tasks and marks simulated results', () => {
    const rows = [
      task(0, { status: 'LEASED', progress: { __typename: 'TaskProgress', step: 40, elapsedS: 1.5 }, worker: { __typename: 'Worker', name: 'gpu-box' } }),
      succeeded(1, 2.1, { simulated: true }),
    ] as unknown as TaskRowFragment[];
    render(<TaskTable tasks={rows} paramKeys={[]} totalCount={2} complete budgetS={3} />);
    const running = document.querySelector('tr[data-task-index="0"]') as HTMLElement;
    expect(within(running).getByText(/step 40/)).toBeInTheDocument();
    expect(within(running).getByText('gpu-box')).toBeInTheDocument();
    const simulated = document.querySelector('tr[data-task-index="1"]') as HTMLElement;
    expect(within(simulated).getByText('simulated')).toBeInTheDocument();
  });
});

describe('sortTasks and filterTasks', () => {
  it('sorts by a config key, numbers numerically, missing values last', () => {
    const rows = [task(0, { config: { lr: 0.01 } }), task(1, { config: { lr: 0.002 } }), task(2, { config: {} })] as unknown as TaskRowFragment[];
    expect(sortTasks(rows, { key: 'config:lr', direction: 'asc' }).map((t) => t.index)).toEqual([1, 0, 2]);
    expect(sortTasks(rows, { key: 'config:lr', direction: 'desc' }).map((t) => t.index)).toEqual([0, 1, 2]);
  });

  it('finds tasks by key=value', () => {
    const rows = [task(0, { config: { schedule: 'cosine' } }), task(1, { config: { schedule: 'linear' } })] as unknown as TaskRowFragment[];
    expect(filterTasks(rows, { status: 'ALL', text: 'schedule=lin', hideSimulated: false }).map((t) => t.index)).toEqual([1]);
  });
});

describe('sorting text', () => {
  it('compares with one shared collator, not a localeCompare per comparison', () => {
    const tasks = Array.from({ length: 200 }, (_, i) => task(i, { worker: { __typename: 'Worker', name: `box-${(i * 7919) % 200}` } })) as unknown as TaskRowFragment[];
    const localeCompare = vi.spyOn(String.prototype, 'localeCompare');
    try {
      const sorted = sortTasks(tasks, { key: 'worker', direction: 'asc' });
      expect(sorted[0]!.worker?.name).toBe('box-0');
      expect(localeCompare).not.toHaveBeenCalled();
    } finally {
      localeCompare.mockRestore();
    }
  });
});
