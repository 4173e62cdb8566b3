import { memo, useDeferredValue, useMemo } from 'react';
import { formatBpb, formatInt, formatSeconds } from '../../lib/format';
import { ashaRungs, type RungSource } from './asha-rungs';

/** ASHA's rungs: configs per budget, how many finished, the best, and how many went up a rung. */
export const AshaRungs = memo(function AshaRungs({ tasks, budgetS }: { tasks: readonly RungSource[]; budgetS: number }) {
  const deferred = useDeferredValue(tasks);
  const rungs = useMemo(() => ashaRungs(deferred), [deferred]);
  return (
    <section className="card" aria-labelledby="rungs-title" data-testid="asha-rungs">
      <h2 id="rungs-title">ASHA rungs</h2>
      <p className="muted small">A config is promoted to the next rung (η× the budget) when it is in the top 1/η of its rung; no rung waits to fill.</p>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Rung</th>
              <th scope="col" className="num">
                Budget
              </th>
              <th scope="col" className="num">
                Configs
              </th>
              <th scope="col" className="num">
                Finished
              </th>
              <th scope="col" className="num">
                Promoted
              </th>
              <th scope="col" className="num">
                Best val_bpb
              </th>
            </tr>
          </thead>
          <tbody>
            {rungs.map((rung, i) => (
              <tr key={rung.budgetScale} data-testid="rung">
                <td>{i + 1}</td>
                <td className="num">
                  {formatSeconds(budgetS * rung.budgetScale)} (×{Number(rung.budgetScale.toPrecision(3))})
                </td>
                <td className="num">{formatInt(rung.tasks)}</td>
                <td className="num">{formatInt(rung.finished)}</td>
                <td className="num">{i === rungs.length - 1 ? '—' : formatInt(rung.promoted)}</td>
                <td className="num">{formatBpb(rung.best)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
});
