import { formatInt } from '../lib/format';

export interface StateCounts {
  total: number;
  queued: number;
  leased: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

const PARTS = [
  ['succeeded', 'succeeded'],
  ['leased', 'running'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['queued', 'queued'],
] as const;

/** Tasks per state as one stacked bar, with the counts in text for everyone. */
export function StateBar({ counts, compact = false }: { counts: StateCounts; compact?: boolean }) {
  const total = Math.max(counts.total, 1);
  const finished = counts.succeeded + counts.failed + counts.cancelled;
  const summary = PARTS.filter(([key]) => counts[key] > 0)
    .map(([key, label]) => `${formatInt(counts[key])} ${label}`)
    .join(', ');
  return (
    <div className={compact ? 'statebar statebar--compact' : 'statebar'}>
      <div
        className="statebar__track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={counts.total}
        aria-valuenow={finished}
        aria-valuetext={`${formatInt(finished)} of ${formatInt(counts.total)} tasks finished${summary ? `: ${summary}` : ''}`}
      >
        {PARTS.map(([key]) =>
          counts[key] > 0 ? <span key={key} className={`statebar__part statebar__part--${key}`} style={{ width: `${(counts[key] / total) * 100}%` }} /> : null,
        )}
      </div>
      <p className="statebar__legend">
        {formatInt(finished)}/{formatInt(counts.total)} done{summary ? ` · ${summary}` : ''}
      </p>
    </div>
  );
}
