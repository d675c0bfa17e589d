// Reads the Prometheus text exposition format well enough for assertions: samples by metric name and
// a subset of their labels, and each metric's declared type.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = m[3]!;
    const value =
      raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    samples.push({ name: m[1]!, labels, value });
  }
  return samples;
}

/** Samples called `name` whose labels include every label in `where`. */
export function samplesOf(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample matching `name` and `where`; throws when there is not exactly one. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): number {
  const found = samplesOf(samples, name, where);
  if (found.length !== 1) {
    throw new Error(`expected one sample ${name}${JSON.stringify(where)}, found ${found.length}`);
  }
  return found[0]!.value;
}

/** Metric name → the type its `# TYPE` line declares (counter, gauge, histogram, ...). */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!);
  return types;
}
