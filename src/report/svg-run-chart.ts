import { escapeHtml } from './html-escape';

/** One point: which line it belongs to, where it sits on the time axis, its value and its label. */
export interface RunPoint {
  readonly series: string;
  /** Label on the x axis (e.g. the run's time). */
  readonly x: string;
  /** 0–100 (a percentage). */
  readonly value: number;
  readonly text: string;
}

export interface RunChartProps {
  readonly id: string;
  readonly title: string;
  /** In time order; equal `x` labels share a column. */
  readonly points: readonly RunPoint[];
  /**
   * Write the x label and the values of every n-th column only (and of the last), so a long history stays
   * readable; every point is still drawn, with its value in its tooltip.
   * @default 1
   */
  readonly labelEvery?: number;
}

const WIDTH = 720;
const HEIGHT = 260;
const LEFT = 48;
const RIGHT = 110;
const TOP = 16;
const BOTTOM = 56;

/** A line chart of percentages over runs as inline SVG: one line and marker per series, values labelled. */
export function svgRunChart(props: RunChartProps): string {
  const columns = [...new Set(props.points.map((p) => p.x))];
  const series = [...new Set(props.points.map((p) => p.series))];
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const xOf = (x: string) =>
    LEFT + (columns.length === 1 ? plotW / 2 : (plotW * columns.indexOf(x)) / (columns.length - 1));
  // Success rates sit near 100 %: zoom into the range the values span, with a floor at a round number.
  const low = Math.max(0, Math.floor(Math.min(100, ...props.points.map((p) => p.value)) / 10) * 10 - 10);
  const yOf = (v: number) => TOP + plotH - (plotH * (v - low)) / (100 - low);
  const parts: string[] = [];
  for (const v of [low, (low + 100) / 2, 100]) {
    parts.push(
      `<line class="grid" x1="${LEFT}" x2="${LEFT + plotW}" y1="${yOf(v)}" y2="${yOf(v)}"></line>`,
      `<text class="axis" x="${LEFT - 6}" y="${yOf(v) + 4}" text-anchor="end">${v}%</text>`,
    );
  }
  const every = Math.max(1, Math.floor(props.labelEvery ?? 1));
  const labelled = (x: string) => {
    const i = columns.indexOf(x);
    return i % every === 0 || i === columns.length - 1;
  };
  columns.filter(labelled).forEach((x) => {
    parts.push(
      `<text class="axis" x="${xOf(x)}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle">${escapeHtml(x)}</text>`,
    );
  });
  // Labels of points that share a column are stacked at least one line apart, each in its series' colour.
  const labelY = new Map<RunPoint, number>();
  for (const x of columns) {
    let next = -Infinity;
    for (const p of props.points
      .filter((q) => q.x === x)
      .sort((a, b) => yOf(b.value) - yOf(a.value))
      .reverse()) {
      const y = Math.max(yOf(p.value) + 4, next);
      labelY.set(p, y);
      next = y + 14;
    }
  }
  series.forEach((name, s) => {
    const points = props.points.filter((p) => p.series === name);
    const path = points.map((p) => `${xOf(p.x).toFixed(1)},${yOf(p.value).toFixed(1)}`).join(' ');
    parts.push(`<g class="series s${s % 6}" data-series="${escapeHtml(name)}">`);
    parts.push(`<polyline points="${path}"></polyline>`);
    for (const p of points) {
      const x = xOf(p.x);
      const y = yOf(p.value);
      parts.push(
        `<g class="point" data-x="${escapeHtml(p.x)}" data-value="${p.value}">`,
        `<title>${escapeHtml(name)} ${escapeHtml(p.x)}: ${escapeHtml(p.text)}</title>`,
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5"></circle>`,
        labelled(p.x)
          ? `<text class="value" x="${(x + 10).toFixed(1)}" y="${labelY.get(p)!.toFixed(1)}">${escapeHtml(p.text)}</text>`
          : '',
        '</g>',
      );
    }
    const lx = LEFT + s * 90;
    parts.push(
      `<rect class="key" x="${lx}" y="${HEIGHT - 16}" width="10" height="10"></rect>`,
      `<text class="legend" x="${lx + 14}" y="${HEIGHT - 7}">${escapeHtml(name)}</text>`,
    );
    parts.push('</g>');
  });
  return [
    `<svg id="${escapeHtml(props.id)}" class="chart run-chart" role="img" aria-label="${escapeHtml(props.title)}"`,
    ` viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">`,
    ...parts,
    '</svg>',
  ].join('');
}
