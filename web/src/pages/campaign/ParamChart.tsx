import { memo, useId, useMemo, useState } from 'react';
import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Dot, Triangle } from './dots';
import { formatBpb, formatParam } from '../../lib/format';
import { downsample, logTicks, type ParamAxis, paramPoints, type Point } from './chart-data';

interface Props {
  points: readonly Point[];
  axes: readonly ParamAxis[];
}

/** val_bpb against one hyperparameter, chosen from the keys that vary; log axis for rates. */
export const ParamChart = memo(function ParamChart({ points, axes }: Props) {
  const id = useId();
  const [chosen, setChosen] = useState<string | null>(null);
  const axis = axes.find((candidate) => candidate.name === chosen) ?? axes[0];

  const data = useMemo(() => {
    if (!axis) return { real: [], simulated: [], total: 0, ticks: undefined };
    const all = paramPoints(points, axis);
    const x = axis.log ? (p: { x: number }) => Math.log(p.x) : (p: { x: number }) => p.x;
    const shown = downsample(all, x, (p) => p.valBpb);
    let ticks: number[] | undefined;
    if (axis.kind === 'categorical') ticks = axis.categories.map((_, i) => i);
    else if (axis.log && all.length > 0) ticks = logTicks(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)));
    return { real: shown.filter((p) => !p.simulated), simulated: shown.filter((p) => p.simulated), total: all.length, ticks };
  }, [points, axis]);

  if (!axis) {
    return (
      <figure className="chart" data-testid="param-chart" data-points={0}>
        <figcaption>
          <h2>val_bpb by hyperparameter</h2>
        </figcaption>
        <p className="chart__empty">
          {points.length === 0 ? 'Results will appear here once tasks finish.' : 'No hyperparameter varies across the finished tasks yet.'}
        </p>
      </figure>
    );
  }

  const plotted = data.real.length + data.simulated.length;
  return (
    <figure className="chart" data-testid="param-chart" data-points={plotted}>
      <figcaption className="chart__head">
        <h2>val_bpb by hyperparameter</h2>
        <div className="field field--inline">
          <label htmlFor={`${id}-param`}>Parameter</label>
          <select id={`${id}-param`} value={axis.name} onChange={(event) => setChosen(event.target.value)}>
            {axes.map((candidate) => (
              <option key={candidate.name} value={candidate.name}>
                {candidate.name}
                {candidate.log ? ' (log scale)' : ''}
              </option>
            ))}
          </select>
        </div>
        {plotted < data.total && <p className="muted small">Showing {plotted} of {data.total} results (each range's best and worst).</p>}
      </figcaption>
      <div className="chart__plot" role="img" aria-label={`Scatter of val_bpb against ${axis.name}${axis.log ? ' on a log scale' : ''}; ${data.total} results`}>
        <ResponsiveContainer width="100%" height={280}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            <XAxis
              dataKey="x"
              type="number"
              name={axis.name}
              scale={axis.log ? 'log' : 'auto'}
              domain={axis.kind === 'categorical' ? [-0.5, axis.categories.length - 0.5] : axis.log ? ['dataMin', 'dataMax'] : ['auto', 'auto']}
              ticks={data.ticks}
              tickFormatter={(value: number) => (axis.kind === 'categorical' ? (axis.categories[Math.round(value)] ?? '') : formatParam(value))}
              stroke="var(--muted)"
              fontSize={12}
            />
            <YAxis dataKey="valBpb" type="number" name="val_bpb" domain={['auto', 'auto']} tickFormatter={(value: number) => value.toFixed(2)} stroke="var(--muted)" fontSize={12} width={48} />
            <Tooltip
              isAnimationActive={false}
              formatter={(value, name) =>
                name === 'val_bpb' && typeof value === 'number'
                  ? formatBpb(value)
                  : axis.kind === 'categorical' && typeof value === 'number'
                    ? (axis.categories[Math.round(value)] ?? '')
                    : formatParam(value)
              }
            />
            <Legend verticalAlign="bottom" height={24} />
            {data.real.length > 0 && <Scatter name="val_bpb" data={data.real} fill="var(--accent)" shape={Dot} isAnimationActive={false} />}
            {data.simulated.length > 0 && <Scatter name="val_bpb (simulated)" data={data.simulated} fill="var(--simulated)" shape={Triangle} isAnimationActive={false} />}
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
