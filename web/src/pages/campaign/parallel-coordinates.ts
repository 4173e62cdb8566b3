// Parallel coordinates of a campaign's best results: one vertical axis per searched parameter
// plus val_bpb, one line per result through its values. Each axis spans the range of every real
// result (log for rates), so the top lines show where in the space the good configs sit.
import { displayCategory, type ParamAxis, type Point } from './chart-data';

export const TOP_RESULTS = 20;

export interface PcAxis {
  name: string;
  /** Labels at the bottom (0) and top (1) of the axis, or every category for categorical axes. */
  ticks: { at: number; label: string }[];
  log: boolean;
}

export interface PcLine {
  taskId: string;
  index: number;
  rank: number;
  valBpb: number;
  /** Per axis, 0 (bottom) to 1 (top); null where the config lacks the parameter. */
  values: (number | null)[];
}

function formatTick(value: number): string {
  return Math.abs(value) >= 1000 || (Math.abs(value) < 0.01 && value !== 0) ? value.toExponential(1) : String(Number(value.toPrecision(3)));
}

/** Lines for the `top` best real results (simulated ones only when there is nothing else). */
export function parallelCoordinates(points: readonly Point[], params: readonly ParamAxis[], top = TOP_RESULTS): { axes: PcAxis[]; lines: PcLine[] } {
  const real = points.filter((point) => !point.simulated);
  const source = real.length > 0 ? real : points;
  if (source.length === 0 || params.length === 0) return { axes: [], lines: [] };

  const scales = params.map((param) => {
    if (param.kind === 'categorical') {
      const slots = new Map(param.categories.map((category, i) => [category, i]));
      const span = Math.max(1, param.categories.length - 1);
      return {
        axis: { name: param.name, log: false, ticks: param.categories.map((category, i) => ({ at: i / span, label: category })) },
        place: (value: unknown) => {
          const slot = slots.get(displayCategory(value));
          return slot === undefined ? null : param.categories.length === 1 ? 0.5 : slot / span;
        },
      };
    }
    const f = param.log ? Math.log : (v: number) => v;
    const numbers = source.map((point) => point.config[param.name]).filter((v): v is number => typeof v === 'number' && (!param.log || v > 0));
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    const flo = f(lo);
    const span = f(hi) - flo;
    return {
      axis: { name: param.name, log: param.log, ticks: numbers.length ? [{ at: 0, label: formatTick(lo) }, { at: 1, label: formatTick(hi) }] : [] },
      place: (value: unknown) => {
        if (typeof value !== 'number' || (param.log && value <= 0)) return null;
        return span > 0 ? (f(value) - flo) / span : 0.5;
      },
    };
  });

  const best = [...source].sort((a, b) => a.valBpb - b.valBpb || a.index - b.index).slice(0, top);
  // val_bpb: lower is better, so the best sits at the top of its axis.
  const worst = best.at(-1)!.valBpb;
  const bestValue = best[0]!.valBpb;
  const range = worst - bestValue;
  const axes: PcAxis[] = [
    ...scales.map((scale) => scale.axis),
    { name: 'val_bpb', log: false, ticks: [{ at: 1, label: bestValue.toFixed(4) }, ...(range > 0 ? [{ at: 0, label: worst.toFixed(4) }] : [])] },
  ];
  const lines = best.map((point, i) => ({
    taskId: point.taskId,
    index: point.index,
    rank: i + 1,
    valBpb: point.valBpb,
    values: [...scales.map((scale) => scale.place(point.config[scale.axis.name])), range > 0 ? (worst - point.valBpb) / range : 0.5],
  }));
  return { axes, lines };
}
