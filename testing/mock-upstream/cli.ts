// Standalone mock upstream: `npx tsx testing/mock-upstream/cli.ts --port 4010` prints its URL on stdout.
import { parseArgs } from "node:util";
import { startMockUpstream } from "./server";
import type { MockUpstreamOptions } from "./types";

const USAGE = `Usage: tsx testing/mock-upstream/cli.ts [options]
  --port <n>                 port (default 4010; 0 = random free port)
  --host <addr>              bind address (default 127.0.0.1)
  --latency-ms <n>           delay before every API response's headers (default 0)
  --chunk-delay-ms <n>       delay between SSE chunks (default 0)
  --seed <n>                 seed for fault-rule probabilities
  --max-records <n>          request record size (default 10000)
  --azure-deployment <d=m>   map an Azure deployment to a model (repeatable; unknown deployments then 404)
  --no-azure-filter-chunk    do not send Azure's leading prompt_filter_results stream chunk
  -h, --help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "latency-ms": { type: "string" },
        "chunk-delay-ms": { type: "string" },
        seed: { type: "string" },
        "max-records": { type: "string" },
        "azure-deployment": { type: "string", multiple: true },
        "no-azure-filter-chunk": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    fail((e as Error).message);
  }
}

function parseOptions(argv: string[]): MockUpstreamOptions {
  const values = parseFlags(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const opts: MockUpstreamOptions = {
    port: int("port", values.port) ?? 4010,
    host: values.host,
    latencyMs: int("latency-ms", values["latency-ms"]),
    chunkDelayMs: int("chunk-delay-ms", values["chunk-delay-ms"]),
    seed: int("seed", values.seed),
    maxRecords: int("max-records", values["max-records"]),
    azurePromptFilterChunk: !values["no-azure-filter-chunk"],
  };
  if (values["azure-deployment"]) {
    opts.azureDeployments = {};
    for (const pair of values["azure-deployment"]) {
      const eq = pair.indexOf("=");
      if (eq <= 0 || eq === pair.length - 1) fail(`--azure-deployment expects deployment=model, got ${JSON.stringify(pair)}`);
      opts.azureDeployments[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const mock = await startMockUpstream(parseOptions(process.argv.slice(2)));
  process.stdout.write(`${mock.url}\n`);
  process.stderr.write(
    `mock upstream: OpenAI base ${mock.url}/v1, Azure base ${mock.url}/openai, Anthropic base ${mock.url}, control ${mock.url}/__mock/\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`mock upstream: ${signal}, closing\n`);
    mock.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`mock upstream: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock upstream: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
