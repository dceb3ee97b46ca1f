/** @jsxImportSource hono/jsx */
/**
 * Small charts drawn as inline SVG on the server: no script, readable by screen readers through
 * a title and a table of the same figures beside each chart.
 */
import { formatNumber } from './format.ts';

export interface Bar {
  label: string;
  value: number;
  /** Drawn in the warning colour (failures, bounces). */
  bad?: boolean;
}

/** A vertical bar chart; `title` names it for assistive technology. */
export function BarChart(props: { title: string; bars: Bar[]; height?: number }) {
  const height = props.height ?? 160;
  const barWidth = 28;
  const gap = 10;
  const top = 18;
  const bottom = 28;
  const width = Math.max(200, props.bars.length * (barWidth + gap) + gap);
  const max = Math.max(1, ...props.bars.map((bar) => bar.value));
  const plot = height - top - bottom;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      <line class="axis" x1="0" y1={height - bottom} x2={width} y2={height - bottom} />
      {props.bars.map((bar, index) => {
        const h = Math.round((bar.value / max) * plot);
        const x = gap + index * (barWidth + gap);
        const y = height - bottom - h;
        return (
          <g>
            <rect class={bar.bad ? 'bar-bad' : 'bar'} x={x} y={y} width={barWidth} height={h}>
              <title>{`${bar.label}: ${formatNumber(bar.value)}`}</title>
            </rect>
            <text x={x + barWidth / 2} y={y - 4} text-anchor="middle">
              {bar.value > 0 ? formatNumber(bar.value) : ''}
            </text>
            <text x={x + barWidth / 2} y={height - bottom + 16} text-anchor="middle">
              {bar.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** A horizontal stacked bar of parts of a whole (sent, failed, bounced...), with a legend. */
export function PartsBar(props: { title: string; parts: Array<{ label: string; value: number; className: string }> }) {
  const total = props.parts.reduce((sum, part) => sum + part.value, 0);
  const width = 600;
  let x = 0;
  return (
    <svg class="chart" viewBox={`0 0 ${width} 28`} width="100%" height="28" role="img" aria-label={props.title} preserveAspectRatio="none">
      <title>{props.title}</title>
      {total === 0 ? <rect x="0" y="0" width={width} height="28" class="axis" fill="#e3e7ec" /> : null}
      {props.parts.map((part) => {
        const w = total ? (part.value / total) * width : 0;
        const rect = (
          <rect x={x} y="0" width={w} height="28" class={part.className}>
            <title>{`${part.label}: ${formatNumber(part.value)}`}</title>
          </rect>
        );
        x += w;
        return rect;
      })}
    </svg>
  );
}
