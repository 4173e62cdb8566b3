import { memo, useMemo } from 'react';
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { Dot, Triangle } from './dots';
import { formatBpb, formatClock } from '../../lib/format';
import { bestSoFar, downsample, type Point } from './chart-data';

interface Props {
  points: readonly Point[];
}

interface Datum {
  x: number;
  y: number;
  index: number;
}

/** Best val_bpb so far against time, over every result (sampled when there are many). */
export const ProgressChart = memo(function ProgressChart({ points }: Props) {
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
  // A single instant would collapse the time axis: give it a minute either side.
  const first = points[0]?.finishedAt ?? 0;
  const last = points.at(-1)?.finishedAt ?? 0;
  const domain = last > first ? [first, last] : [first - 30_000, last + 30_000];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => Math.round(domain[0]! + share * (domain[1]! - domain[0]!)));
  const plotted = real.length + simulated.length;
  return (
    <figure className="chart" data-testid="progress-chart" data-points={plotted} data-total-points={points.length}>
      <figcaption>
        <h2>Best val_bpb over time</h2>
        <p className="muted small">
          {points.length === 0
            ? 'Each finished task adds a point here as soon as it reports.'
            : `${best ? `Best so far ${formatBpb(best.y)} (task #${best.index})${frontierSimulated ? ', from simulated results' : ''}. ` : ''}${
                sampled ? `Showing ${plotted} of ${points.length} results (each time slice's best and worst).` : `${points.length} results.`
              }`}
        </p>
      </figcaption>
      <div className="chart__plot" role="img" aria-label={`Scatter of val_bpb by finish time with the best-so-far line; ${points.length} results`}>
        {points.length === 0 ? (
          <p className="chart__empty">No results yet.</p>
        ) : (
          <ResponsiveContainer width="100%" height={280}>
            <ComposedChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
              <XAxis
                dataKey="x"
                type="number"
                scale="time"
                domain={domain}
                ticks={ticks}
                tickFormatter={(value: number) => formatClock(value)}
                stroke="var(--muted)"
                fontSize={12}
                allowDuplicatedCategory={false}
              />
              <YAxis dataKey="y" type="number" domain={['auto', 'auto']} tickFormatter={(value: number) => value.toFixed(2)} stroke="var(--muted)" fontSize={12} width={48} />
              <Tooltip
                isAnimationActive={false}
                formatter={(value) => (typeof value === 'number' ? formatBpb(value) : String(value))}
                labelFormatter={(label) => (typeof label === 'number' ? formatClock(label) : String(label))}
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
