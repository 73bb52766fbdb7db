// Reads Prometheus text exposition output with a real parser (parse-prometheus-text-format, a
// port of client_python's text parser: the npm parser of the format), so tests check what a
// Prometheus server would read. That parser folds a histogram into one sample and drops its
// labels when it has labels besides `le`; so each histogram is also read as its three series
// (`name_bucket`, `name_sum`, `name_count`, with every label), under their own names.
import { createRequire } from 'node:module';

interface ParsedSample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: ParsedSample[];
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[];

/** The families of `text` by name, plus the series of each histogram by series name. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map(parse(text).map((family) => [family.name, family]));
  const histograms = [...families.values()].filter((family) => family.type === 'HISTOGRAM');
  if (histograms.length > 0) {
    const asSeries = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
    for (const family of parse(asSeries))
      if (/_(bucket|sum|count)$/.test(family.name)) families.set(family.name, family);
  }
  return families;
}

/** The value of the sample of `family` whose labels include `labels`. */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  family: string,
  labels: Record<string, string>,
): number | undefined {
  const sample = families
    .get(family)
    ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? undefined : Number(sample.value);
}
