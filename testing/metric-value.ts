/** Reads a metric of the process's registry (lib/metrics.ts), as GET /metrics would show it. */
import { getRuntime } from "@/lib/runtime";

/** The sum of `name`'s series whose labels include `labels`; 0 when the metric or series does not exist yet. */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = getRuntime().metrics?.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}
