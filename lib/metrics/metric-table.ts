// Metric families described as tables: each family once, with its name, type and help and how its
// samples are read from a source (the stats of a scrape). The infos are known before any value
// (what a prom-client registry needs at bootstrap); a scrape reads every family of a table.
import type {
  MetricFamily,
  MetricFamilyInfo,
  MetricLabels,
  MetricSample,
  MetricType,
} from './prometheus-text.js';

/** How one family's samples are read from a scrape's source, under the namespace's labels. */
export type ReadSamples<S> = (source: S, labels: MetricLabels) => MetricSample[];

export interface TableFamily<S> {
  info: MetricFamilyInfo;
  read: ReadSamples<S>;
}

export function family<S>(
  name: string,
  type: MetricType,
  help: string,
  read: ReadSamples<S>,
): TableFamily<S> {
  return { info: { name, type, help }, read };
}

/** A family of one sample: a value of the source. */
export function one<S>(value: (source: S) => number): ReadSamples<S> {
  return (source, labels) => [{ labels, value: value(source) }];
}

/** Every family of `table`, read from `source`. */
export function readTable<S>(
  table: readonly TableFamily<S>[],
  source: S,
  labels: MetricLabels,
): MetricFamily[] {
  return table.map(({ info, read }) => ({ ...info, samples: read(source, labels) }));
}
