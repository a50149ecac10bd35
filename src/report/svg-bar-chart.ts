import { escapeHtml } from './html-escape';

/** One bar: its label, its value (drawn to scale) and the text shown next to it. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly text: string;
  /** A CSS class for its colour, e.g. `ok`, `warn`, `bad`. @default none */
  readonly tone?: string;
}

export interface BarChartProps {
  /** The SVG element's id (tests and links find the chart by it). */
  readonly id: string;
  /** The accessible name of the chart. */
  readonly title: string;
  readonly bars: readonly Bar[];
  /** The value of a full-width bar. @default the largest value */
  readonly max?: number;
}

const WIDTH = 720;
const VALUE_WIDTH = 90;
const ROW = 26;
const BAR = 18;

/** A horizontal bar chart as inline SVG: one labelled bar per entry, its value written at its end. */
export function svgBarChart(props: BarChartProps): string {
  const max = props.max ?? Math.max(0, ...props.bars.map((b) => b.value));
  // Room for the longest label at about 7 px per character of the 12 px font.
  const LABEL_WIDTH = Math.min(320, Math.max(120, 12 + 7.5 * Math.max(0, ...props.bars.map((b) => b.label.length))));
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = Math.max(ROW, props.bars.length * ROW) + 8;
  const rows = props.bars.map((bar, i) => {
    const y = 4 + i * ROW;
    const w = max > 0 ? Math.max(1, Math.round((span * bar.value) / max)) : 1;
    const tone = bar.tone ? ` ${escapeHtml(bar.tone)}` : '';
    return [
      `<g class="bar${tone}" data-label="${escapeHtml(bar.label)}" data-value="${bar.value}">`,
      `<title>${escapeHtml(bar.label)}: ${escapeHtml(bar.text)}</title>`,
      `<text class="label" x="${LABEL_WIDTH - 8}" y="${y + BAR - 5}" text-anchor="end">${escapeHtml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR}" rx="2"></rect>`,
      `<text class="value" x="${LABEL_WIDTH + w + 6}" y="${y + BAR - 5}">${escapeHtml(bar.text)}</text>`,
      '</g>',
    ].join('');
  });
  return [
    `<svg id="${escapeHtml(props.id)}" class="chart bar-chart" role="img" aria-label="${escapeHtml(props.title)}"`,
    ` viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    ...rows,
    '</svg>',
  ].join('');
}
