import { html, type Html } from './html';
import { formatCredits } from './format';

/**
 * A horizontal bar chart as inline SVG: no chart library, readable at any width (bars scale to
 * the viewBox), and the same figures in a table right below it for screen readers and copying.
 */
export interface ChartBar {
  label: string;
  value: number;
}

// viewBox units: the SVG scales to its box, so these set the text size relative to the chart width.
const ROW = 24;
const LABEL_WIDTH = 130;
const WIDTH = 380;
const LABEL_CHARS = 19;

/** Bar lengths in viewBox units: proportional to the largest value, at least 1 so a tiny use shows. */
export function barLengths(values: number[], maxLength: number): number[] {
  const max = Math.max(0, ...values);
  if (max === 0) return values.map(() => 0);
  return values.map((value) => (value <= 0 ? 0 : Math.max(1, Math.round((value / max) * maxLength))));
}

export function usageChart(title: string, bars: ChartBar[], unit = 'credits'): Html {
  if (bars.length === 0) return html`<p class="empty">No usage in this period yet.</p>`;
  const barSpace = WIDTH - LABEL_WIDTH - 56;
  const lengths = barLengths(bars.map((bar) => bar.value), barSpace);
  const height = bars.length * ROW + 8;
  const rows = bars.map((bar, index) => {
    const y = index * ROW + 4;
    const length = lengths[index] ?? 0;
    return html`<g><title>${bar.label}: ${formatCredits(bar.value)} ${unit}</title><text x="${LABEL_WIDTH - 8}" y="${y + 16}" text-anchor="end" class="chart-label">${bar.label.length > LABEL_CHARS ? `${bar.label.slice(0, LABEL_CHARS - 1)}…` : bar.label}</text><rect x="${LABEL_WIDTH}" y="${y + 4}" width="${length}" height="${ROW - 8}" rx="3" class="chart-bar"></rect><text x="${LABEL_WIDTH + length + 5}" y="${y + 16}" class="chart-value">${formatCredits(bar.value)}</text></g>`;
  });
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}" preserveAspectRatio="xMinYMin meet">${rows}</svg>
<figcaption class="visually-hidden">${title}</figcaption>
<table class="compact"><caption class="visually-hidden">${title} (figures)</caption>
<thead><tr><th scope="col">${title.split(' by ')[1] ?? 'group'}</th><th scope="col" class="num">${unit}</th></tr></thead>
<tbody>${bars.map((bar) => html`<tr><td>${bar.label}</td><td class="num">${formatCredits(bar.value)}</td></tr>`)}</tbody></table>
</figure>`;
}
