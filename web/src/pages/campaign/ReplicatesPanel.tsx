// Seed replicates of a campaign's configs: mean ± a 95% interval as error bars on one shared scale,
// every replicate's value as a dot, and the noise floor measured from them.
import { memo } from 'react';
import { bandDomain, NoiseBandBar } from '../../components/NoiseBandBar';
import { formatBpb, formatParam, plural } from '../../lib/format';

export interface ReplicateRow {
  rank: number;
  config: Record<string, unknown>;
  n: number;
  mean: number;
  /** Null ends: no interval (a single run without a noise floor). */
  low: number | null;
  high: number | null;
  values: readonly number[];
  /** Rank 1: better than every other by the intervals; others: rank 1 is better than this one. */
  distinguishable: boolean;
}

interface Props {
  rows: readonly ReplicateRow[];
  noiseFloor: number | null;
  /** The parameters worth naming (the searched ones). */
  paramKeys: readonly string[];
}

function verdict(row: ReplicateRow): string {
  if (row.rank === 1) return row.distinguishable ? 'better than every other (intervals apart)' : 'best mean, within noise of others';
  return row.distinguishable ? 'worse than the best' : 'within noise of the best';
}

export const ReplicatesPanel = memo(function ReplicatesPanel({ rows, noiseFloor, paramKeys }: Props) {
  const bands = rows.map((row) => ({ meanValBpb: row.mean, interval: row.low !== null && row.high !== null ? { low: row.low, high: row.high } : null }));
  const domain = bandDomain([...bands, ...rows.flatMap((row) => row.values.map((value) => ({ meanValBpb: value })))]);
  return (
    <section className="card" aria-labelledby="replicates-title" data-testid="replicates">
      <h2 id="replicates-title">Seed replicates</h2>
      <p className="muted small" data-testid="replicates-noise">
        {noiseFloor === null ? 'No noise floor yet: no config has run with two seeds.' : `Noise floor (pooled std across seeds): ${noiseFloor.toFixed(4)} bpb.`}{' '}
        A config counts as better only when the intervals say so.
      </p>
      <div className="table-wrap">
        <table className="table table--stack">
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Config</th>
              <th scope="col" className="num">
                Runs
              </th>
              <th scope="col" className="num">
                Mean val_bpb (95%)
              </th>
              <th scope="col">Error bar</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const keys = paramKeys.length > 0 ? paramKeys.filter((key) => key in row.config) : Object.keys(row.config).sort();
              const band = bands[i]!.interval;
              return (
                <tr key={row.rank} data-testid="replicate-row">
                  <td data-label="#" className="num">
                    {row.rank}
                  </td>
                  <td data-label="Config">
                    <code className="small">{keys.map((key) => `${key}=${formatParam(row.config[key])}`).join(' ') || '—'}</code>
                  </td>
                  <td data-label="Runs" className="num">
                    {plural(row.n, 'seed')}
                  </td>
                  <td data-label="Mean val_bpb" className="num">
                    <span className="strong">{formatBpb(row.mean)}</span>
                    {band ? <span className="muted small"> ± {((band.high - band.low) / 2).toFixed(4)}</span> : <span className="muted small"> no interval</span>}
                  </td>
                  <td data-label="Error bar">
                    <NoiseBandBar mean={row.mean} interval={band} domain={domain} values={row.values} />
                  </td>
                  <td data-label="Verdict" className="small">
                    {verdict(row)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
});
