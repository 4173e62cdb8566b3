// Scatter points as plain SVG circles and triangles: far cheaper than recharts' generic symbols
// when a chart redraws hundreds of points as results stream in.

interface DotProps {
  cx?: number;
  cy?: number;
  fill?: string;
}

export function Dot({ cx, cy, fill }: DotProps) {
  if (cx == null || cy == null || !Number.isFinite(cx) || !Number.isFinite(cy)) return null;
  return <circle cx={cx} cy={cy} r={3} fill={fill} fillOpacity={0.75} />;
}

export function Triangle({ cx, cy, fill }: DotProps) {
  if (cx == null || cy == null || !Number.isFinite(cx) || !Number.isFinite(cy)) return null;
  return <path d={`M${cx},${cy - 3.5}L${cx + 3.5},${cy + 3}L${cx - 3.5},${cy + 3}Z`} fill={fill} fillOpacity={0.75} />;
}
