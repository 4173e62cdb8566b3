import { memo, useMemo } from 'react';
import { formatBpb } from '../../lib/format';
import type { ParamAxis, Point } from './chart-data';
import { parallelCoordinates, TOP_RESULTS } from './parallel-coordinates';

interface Props {
  points: readonly Point[];
  axes: readonly ParamAxis[];
}

const HEIGHT = 220;
const PAD_X = 48;
const PAD_TOP = 28;
const PAD_BOTTOM = 28;
const AXIS_GAP = 150;

/** The top results as lines across every searched parameter and val_bpb (best on top, darkest). */
export const ParallelCoordinates = memo(function ParallelCoordinates({ points, axes: params }: Props) {
  const { axes, lines } = useMemo(() => parallelCoordinates(points, params), [points, params]);
  if (lines.length === 0) {
    return (
      <figure className="chart chart--wide" data-testid="parallel-coordinates" data-lines={0}>
        <figcaption>
          <h2>Top results across the space</h2>
        </figcaption>
        <p className="chart__empty">
          {points.length === 0 ? 'Results will appear here once tasks finish.' : 'No hyperparameter varies across the finished tasks yet.'}
        </p>
      </figure>
    );
  }
  const width = PAD_X * 2 + AXIS_GAP * (axes.length - 1);
  const x = (i: number) => PAD_X + i * AXIS_GAP;
  const y = (at: number) => PAD_TOP + (1 - at) * (HEIGHT - PAD_TOP - PAD_BOTTOM);
  return (
    <figure className="chart chart--wide" data-testid="parallel-coordinates" data-lines={lines.length}>
      <figcaption className="chart__head">
        <h2>Top results across the space</h2>
        <p className="muted small">
          The {lines.length === 1 ? 'best result' : `${lines.length} best results`}
          {lines.length === TOP_RESULTS ? ` (of ${points.length})` : ''}, one line each through its parameters and val_bpb; the best is darkest.
        </p>
      </figcaption>
      <div className="pc__scroll">
        <svg
          className="pc"
          width={width}
          height={HEIGHT}
          viewBox={`0 0 ${width} ${HEIGHT}`}
          role="img"
          aria-label={`Parallel coordinates of the ${lines.length} best results over ${axes.map((axis) => axis.name).join(', ')}; best val_bpb ${formatBpb(lines[0]!.valBpb)}`}
        >
          {[...lines].reverse().map((line) => {
            const path = line.values
              .map((value, i) => (value === null ? null : `${x(i)},${y(value)}`))
              .filter((p): p is string => p !== null)
              .join(' ');
            const opacity = 0.25 + 0.75 * (1 - (line.rank - 1) / Math.max(1, lines.length));
            return (
              <polyline key={line.taskId} points={path} className={line.rank === 1 ? 'pc__line pc__line--best' : 'pc__line'} style={{ opacity }}>
                <title>{`#${line.rank}: task ${line.index}, val_bpb ${formatBpb(line.valBpb)}`}</title>
              </polyline>
            );
          })}
          {axes.map((axis, i) => (
            <g key={axis.name} className="pc__axis">
              <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} />
              <text x={x(i)} y={14} textAnchor="middle" className="pc__name">
                {axis.name}
                {axis.log ? ' (log)' : ''}
              </text>
              {axis.ticks.map((tick) => (
                <text key={`${tick.at}-${tick.label}`} x={x(i) + 5} y={y(tick.at) + 4} className="pc__tick">
                  {tick.label}
                </text>
              ))}
            </g>
          ))}
        </svg>
      </div>
    </figure>
  );
});
