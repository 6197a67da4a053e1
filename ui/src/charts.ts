/**
 * Charts (Chart.js, bundled by Vite; only the bar chart's parts are registered, so the bundle carries
 * nothing else). Chart.js draws on a canvas and writes no inline style sheet, so the page keeps its
 * strict CSP. A canvas says nothing to a screen reader: every chart comes with its numbers as a
 * table (visually hidden, read by assistive technology) and the canvas itself is hidden from it.
 *
 * `barChart` returns the figure; `data-chart` carries the figures as JSON for tests and tools.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { h, uniqueId } from './dom';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export interface ChartSeries {
  name: string;
  values: readonly number[];
}

export interface BarChartInput {
  /** The chart's title (the figure's caption). */
  title: string;
  /** One label per bar group (days, providers, sources). */
  labels: readonly string[];
  series: readonly ChartSeries[];
  /** Heading of the label column in the text table ("Day", "Provider"). */
  labelHeading: string;
  /** Stack the series (one bar per label) instead of side by side. */
  stacked?: boolean;
}

// Colours with at least 3:1 contrast against the page background (WCAG 1.4.11, non-text contrast).
const COLOURS = ['#1f5fbf', '#b3541e', '#2e7d32', '#6a3d9a', '#8a6d00'];

export function barChart(input: BarChartInput): HTMLElement {
  const captionId = uniqueId('chart-title');
  const canvas = h('canvas', { attrs: { 'aria-hidden': 'true' } });
  const table = h('table', { class: 'visually-hidden' }, [
    h('caption', { text: input.title }),
    h('thead', {}, [h('tr', {}, [h('th', { text: input.labelHeading, attrs: { scope: 'col' } }), ...input.series.map((s) => h('th', { text: s.name, attrs: { scope: 'col' } }))])]),
    h(
      'tbody',
      {},
      input.labels.map((label, index) =>
        h('tr', {}, [h('th', { text: label, attrs: { scope: 'row' } }), ...input.series.map((s) => h('td', { text: String(s.values[index] ?? 0) }))]),
      ),
    ),
  ]);
  const figure = h('figure', { class: 'chart', attrs: { 'aria-labelledby': captionId, 'data-chart': JSON.stringify({ labels: input.labels, series: input.series }) } }, [
    h('figcaption', { id: captionId, text: input.title }),
    h('div', { class: 'chart-canvas' }, [canvas]),
    table,
  ]);
  // Drawn once the figure is in the document (Chart.js measures its container).
  queueMicrotask(() => {
    releaseDetached();
    drawn.add(
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels: [...input.labels],
          datasets: input.series.map((s, index) => ({ label: s.name, data: [...s.values], backgroundColor: COLOURS[index % COLOURS.length] })),
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: input.series.length > 1 } },
          scales: { x: { stacked: input.stacked ?? false }, y: { stacked: input.stacked ?? false, beginAtZero: true, ticks: { precision: 0 } } },
        },
      }),
    );
  });
  return figure;
}

/**
 * Charts drawn so far. Views are re-rendered by replacing their elements, so a chart whose canvas
 * left the document is destroyed (its resize observer and canvas released) when the next one is drawn.
 */
const drawn = new Set<Chart>();

function releaseDetached(): void {
  for (const chart of drawn) {
    if (chart.canvas.isConnected) continue;
    chart.destroy();
    drawn.delete(chart);
  }
}
