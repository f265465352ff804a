import type { HealthSample } from '../api/types';

const W = 600;
const H = 160;
const PAD = { left: 48, right: 8, top: 8, bottom: 22 };
const OUTCOME_COLOR = { ok: '#2f9e44', warn: '#f08c00', fail: '#e03131' } as const;

/** A round upper bound for the y axis: 1, 2 or 5 × 10^n ms, at least 10 ms. */
function niceMax(value: number): number {
  const top = Math.max(value, 10);
  const step = 10 ** Math.floor(Math.log10(top));
  return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= top) ?? top;
}

/** Seconds too when the chart spans less than ten minutes (a short interval, or a fresh check). */
const clock = (ms: number, span: number) =>
  new Date(ms).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(span < 600_000 ? { second: '2-digit' as const } : {}),
  });

/**
 * Response time of one check over its recent results (GET /api/v1/health/history): a line of
 * latencies, each result a dot coloured by its outcome, failures drawn at the top edge so an
 * outage stands out even when it answered fast (a refused connection takes ~0 ms).
 */
export function ResponseChart({ samples }: { samples: HealthSample[] }) {
  if (samples.length === 0) return <p className="muted">No results yet: the first probe is on its way.</p>;
  const times = samples.map((s) => new Date(s.at).getTime());
  const t0 = times[0]!;
  const span = Math.max(times.at(-1)! - t0, 1);
  const max = niceMax(Math.max(...samples.filter((s) => s.outcome !== 'fail').map((s) => s.latencyMs), 0));
  const x = (t: number) => PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right);
  const y = (ms: number) => PAD.top + (1 - Math.min(ms, max) / max) * (H - PAD.top - PAD.bottom);
  const points = samples.map((s, i) => ({
    s,
    cx: x(times[i]!),
    cy: s.outcome === 'fail' ? PAD.top : y(s.latencyMs),
  }));
  const line = points
    .filter((p) => p.s.outcome !== 'fail')
    .map((p) => `${p.cx.toFixed(1)},${p.cy.toFixed(1)}`)
    .join(' ');
  const failures = samples.filter((s) => s.outcome === 'fail').length;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`response time of the last ${samples.length} results, ${failures} failed`}
      data-testid="response-chart"
      data-samples={samples.length}
      data-failures={failures}
    >
      {[0, 0.5, 1].map((f) => (
        <g key={f}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="grid" />
          <text x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end" className="axis">
            {Math.round(max * f)} ms
          </text>
        </g>
      ))}
      <text x={PAD.left} y={H - 6} className="axis">
        {clock(t0, span)}
      </text>
      <text x={W - PAD.right} y={H - 6} textAnchor="end" className="axis">
        {clock(t0 + span, span)}
      </text>
      {line ? <polyline points={line} fill="none" stroke="#4263eb" strokeWidth={1.5} /> : null}
      {points.map((p) => (
        <circle key={p.s.at + p.cx} cx={p.cx} cy={p.cy} r={2.5} fill={OUTCOME_COLOR[p.s.outcome]}>
          <title>
            {new Date(p.s.at).toLocaleTimeString()}: {p.s.outcome}, {p.s.latencyMs} ms ({p.s.status})
          </title>
        </circle>
      ))}
    </svg>
  );
}
