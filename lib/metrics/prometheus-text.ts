// The one writer of the Prometheus text format (0.0.4, as prom-client serves) for every metric.
// Families are plain data (metric-families.ts), so the same ones go to a prom-client registry too.

/** The Content-Type of `metrics()` output, for the route that serves it. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type MetricType = 'counter' | 'gauge' | 'histogram';
export type MetricLabels = Record<string, string>;

/** What a family is, known before any value: what a registry needs to register it. */
export interface MetricFamilyInfo {
  name: string;
  type: MetricType;
  help: string;
}

export interface MetricSample {
  labels: MetricLabels;
  value: number;
  /** The series of a histogram this sample belongs to. */
  series?: '_bucket' | '_sum' | '_count';
}

export interface MetricFamily extends MetricFamilyInfo {
  samples: MetricSample[];
}

export function renderFamilies(families: readonly MetricFamily[]): string {
  let text = '';
  for (const { name, type, help, samples } of families) {
    text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    for (const { labels, value, series = '' } of samples)
      text += `${name}${series}${renderLabels(labels)} ${renderValue(value)}\n`;
  }
  return text;
}

/** The samples of one histogram: cumulative `counts` per upper bound, then `+Inf`, sum and count. */
export function histogramSamples(
  labels: MetricLabels,
  bounds: readonly number[],
  counts: readonly number[],
  count: number,
  sum: number,
): MetricSample[] {
  return [
    ...bounds.map((bound, i): MetricSample => ({
      labels: { ...labels, le: renderValue(bound) },
      value: counts[i],
      series: '_bucket',
    })),
    { labels: { ...labels, le: '+Inf' }, value: count, series: '_bucket' },
    { labels, value: sum, series: '_sum' },
    { labels, value: count, series: '_count' },
  ];
}

function renderLabels(labels: MetricLabels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return escapeHelp(value).replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
