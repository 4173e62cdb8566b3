import { memo, useDeferredValue, useId, useMemo, useState } from 'react';
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { Dot, Triangle } from './dots';
import { formatBpb, formatClock, formatSeconds } from '../../lib/format';
import { bestSoFar, byComputeSpent, type ComputeSource, computeSpent, downsample, type Point } from './chart-data';

interface Props {
  points: readonly Point[];
  /** The campaign's tasks: what they spent places the points when the x axis is compute. */
  tasks: readonly ComputeSource[];
}

type XAxisKind = 'time' | 'compute';

interface Datum {
  x: number;
  y: number;
  index: number;
}

/** Best val_bpb so far against time or compute spent, over every result (sampled when there are many). */
export const ProgressChart = memo(function ProgressChart({ points: finished, tasks }: Props) {
  const id = useId();
  const [xKind, setXKind] = useState<XAxisKind>('time');
  const deferredTasks = useDeferredValue(tasks);
  // In compute mode `finishedAt` carries the task-seconds spent when the result arrived.
  const points = useMemo(
    () => (xKind === 'compute' ? byComputeSpent(finished, computeSpent(deferredTasks)) : finished),
    [xKind, finished, deferredTasks],
  );
  const formatX = xKind === 'compute' ? (value: number) => formatSeconds(value) : (value: number) => formatClock(value);
  const { frontier, real, simulated, frontierSimulated, sampled } = useMemo(() => {
    const { steps, simulated: onlySimulated } = bestSoFar(points);
    const shown = downsample(points, (point) => point.finishedAt, (point) => point.valBpb);
    const toDatum = (point: Point): Datum => ({ x: point.finishedAt, y: point.valBpb, index: point.index });
    return {
      frontier: steps.map((step) => ({ x: step.finishedAt, y: step.best, index: step.index })),
      real: shown.filter((point) => !point.simulated).map(toDatum),
      simulated: shown.filter((point) => point.simulated).map(toDatum),
      frontierSimulated: onlySimulated,
      sampled: shown.length < points.length,
    };
  }, [points]);

  const best = frontier.at(-1);
  // A single instant would collapse the axis: give it a minute (or a second of compute) either side.
  const first = points[0]?.finishedAt ?? 0;
  const last = points.at(-1)?.finishedAt ?? 0;
  const margin = xKind === 'compute' ? 1 : 30_000;
  const domain = last > first ? [first, last] : [Math.max(0, first - margin), last + margin];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => Math.round(domain[0]! + share * (domain[1]! - domain[0]!)));
  const plotted = real.length + simulated.length;
  return (
    <figure className="chart" data-testid="progress-chart" data-points={plotted} data-total-points={finished.length} data-x-axis={xKind}>
      <figcaption className="chart__head">
        <h2>{xKind === 'compute' ? 'Best val_bpb against compute spent' : 'Best val_bpb over time'}</h2>
        <div className="field field--inline">
          <label htmlFor={`${id}-x`}>Against</label>
          <select id={`${id}-x`} value={xKind} onChange={(event) => setXKind(event.target.value as XAxisKind)}>
            <option value="time">finish time</option>
            <option value="compute">compute spent (task-seconds)</option>
          </select>
        </div>
        <p className="muted small">
          {xKind === 'compute' && 'Compute: the wall time of every finished task (failed ones too), summed in finish order. '}
          {points.length === 0
            ? 'Each finished task adds a point here as soon as it reports.'
            : `${best ? `Best so far ${formatBpb(best.y)} (task #${best.index})${frontierSimulated ? ', from simulated results' : ''}. ` : ''}${
                sampled ? `Showing ${plotted} of ${points.length} results (each time slice's best and worst).` : `${points.length} results.`
              }`}
        </p>
      </figcaption>
      <div
        className="chart__plot"
        role="img"
        aria-label={`Scatter of val_bpb by ${xKind === 'compute' ? 'compute spent' : 'finish time'} with the best-so-far line; ${points.length} results`}
      >
        {points.length === 0 ? (
          <p className="chart__empty">No results yet.</p>
        ) : (
          <ResponsiveContainer width="100%" height={280}>
            <ComposedChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
              <XAxis
                dataKey="x"
                type="number"
                scale={xKind === 'compute' ? 'linear' : 'time'}
                domain={domain}
                ticks={ticks}
                tickFormatter={formatX}
                stroke="var(--muted)"
                fontSize={12}
                allowDuplicatedCategory={false}
              />
              <YAxis dataKey="y" type="number" domain={['auto', 'auto']} tickFormatter={(value: number) => value.toFixed(2)} stroke="var(--muted)" fontSize={12} width={48} />
              <Tooltip
                isAnimationActive={false}
                formatter={(value) => (typeof value === 'number' ? formatBpb(value) : String(value))}
                labelFormatter={(label) => (typeof label === 'number' ? formatX(label) : String(label))}
              />
              <Legend verticalAlign="bottom" height={24} />
              {real.length > 0 && <Scatter name="val_bpb" data={real} fill="var(--accent)" shape={Dot} isAnimationActive={false} />}
              {simulated.length > 0 && <Scatter name="val_bpb (simulated)" data={simulated} fill="var(--simulated)" shape={Triangle} isAnimationActive={false} />}
              <Line
                name={frontierSimulated ? 'best so far (simulated)' : 'best so far'}
                data={frontier}
                dataKey="y"
                type="stepAfter"
                stroke="var(--good)"
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </div>
    </figure>
  );
});
