// A mean with its interval as a horizontal error bar, on a scale shared by one group's rows, so
// overlapping bands read as overlapping at a glance. A single run is a lone dot (no band).

interface Band {
  low: number;
  high: number;
}

/** The value range a group's bars share: every interval and mean, padded a little. */
export function bandDomain(configs: readonly { meanValBpb: number; interval?: Band | null }[]): [number, number] {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const { meanValBpb, interval } of configs) {
    low = Math.min(low, interval?.low ?? meanValBpb, meanValBpb);
    high = Math.max(high, interval?.high ?? meanValBpb, meanValBpb);
  }
  if (!Number.isFinite(low)) return [0, 1];
  const pad = Math.max((high - low) * 0.05, 1e-4);
  return [low - pad, high + pad];
}

const WIDTH = 120;
const HEIGHT = 14;

interface Props {
  mean: number;
  interval: Band | null | undefined;
  domain: [number, number];
  /** Each run's own value, drawn as a small tick (seed replicates). */
  values?: readonly number[];
}

export function NoiseBandBar({ mean, interval, domain, values = [] }: Props) {
  const [from, to] = domain;
  const x = (value: number) => ((value - from) / (to - from)) * WIDTH;
  const label = interval
    ? `mean ${mean.toFixed(4)}, 95% interval ${interval.low.toFixed(4)} to ${interval.high.toFixed(4)}`
    : `${mean.toFixed(4)}, a single run: no interval`;
  return (
    <svg className="noise-band" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
      <line x1={0} x2={WIDTH} y1={HEIGHT / 2} y2={HEIGHT / 2} className="noise-band__axis" />
      {interval && (
        <g className="noise-band__interval" data-testid="noise-band-interval">
          <line x1={x(interval.low)} x2={x(interval.high)} y1={HEIGHT / 2} y2={HEIGHT / 2} />
          <line x1={x(interval.low)} x2={x(interval.low)} y1={3} y2={HEIGHT - 3} />
          <line x1={x(interval.high)} x2={x(interval.high)} y1={3} y2={HEIGHT - 3} />
        </g>
      )}
      {values.map((value, i) => (
        <line key={i} x1={x(value)} x2={x(value)} y1={2} y2={HEIGHT - 2} className="noise-band__run" />
      ))}
      <circle cx={x(mean)} cy={HEIGHT / 2} r={3} className={interval ? 'noise-band__mean' : 'noise-band__mean noise-band__mean--single'} />
    </svg>
  );
}
