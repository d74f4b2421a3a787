/**
 * Builds Detour's server for plain `node`, beside the Next.js build made from the same sources
 * (`<build>/detour-server/`, scripts/server-build-files.ts). Run by `npm run build` (scripts/start.ts)
 * after `next build`:
 *  - the HTTP server itself (scripts/server.ts -> server.cjs, packages left in node_modules): started
 *    without tsx's loader, which cost ~8 MiB of memory and a few hundred ms of start;
 *  - the gateway-only role (DETOUR_ROLE=gateway, lib/gateway-role.ts): its engine and the log sink's
 *    worker, ES modules bundled from `lib/` (the generated Prisma clients use `import.meta.url`).
 *    The build fails if the role's bundle reaches Next.js, React or next-auth: the role exists to not
 *    load them.
 *
 * The role's Prisma clients use Prisma's "small" query compiler (the same compiler built for size,
 * Prisma's `compilerBuild = "small"`): the "fast" build, once V8 had optimised it, held ~45-90 MiB
 * of resident memory in a process whose database work is a few cached lookups. The time of a
 * repeated query did not change (Prisma caches each query shape's plan). V8's baseline tier only
 * (--liftoff-only) would save ~10 MiB more, but it holds undici's HTTP parser (WebAssembly too)
 * in that tier: a fallback's two upstream answers cost ~0.35 ms more. docs/PERFORMANCE.md.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";
import { distDirOf, GATEWAY_ENGINE_FILE, GATEWAY_SINK_WORKER_FILE, SERVER_BUILD_DIR, SERVER_FILE } from "./server-build-files";

/** Packages the gateway-only role must never load. */
const FORBIDDEN = /^(next|react|react-dom|next-auth|@next\/)(\/|$)/;

/** Where the generated client imports its compiler's base64 module and decodes it. */
const WASM_IMPORT =
  /const \{ wasm \} = await import\(("@prisma\/client\/runtime\/query_compiler_small_bg\.\w+\.wasm-base64\.mjs")\)\s*\n\s*return await decodeBase64AsWasm\(wasm\)/g;

/**
 * The generated clients' query compiler: "fast" -> "small" (its runtime, its module and the
 * module's import name), and the module read from its file rather than imported (lib/db/wasm-file.ts:
 * an imported base64 module keeps ~4 MiB of strings for the life of the process).
 */
const smallQueryCompiler = (root: string): Plugin => ({
  name: "detour-small-query-compiler",
  setup(b) {
    b.onLoad({ filter: /[\\/]lib[\\/]generated[\\/](sqlite|postgresql)[\\/]internal[\\/]class\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const uses = source.match(/query_compiler_fast_bg/g)?.length ?? 0;
      const small = source.replaceAll("query_compiler_fast_bg", "query_compiler_small_bg");
      const imports = small.match(WASM_IMPORT)?.length ?? 0;
      if (uses !== 3 || imports !== 1) {
        const text =
          `expected the generated client to name query_compiler_fast_bg 3 times (runtime, module, import name) and to import ` +
          `and decode its base64 module once; found ${uses} and ${imports}: has Prisma's generated code changed?`;
        return { errors: [{ text }] };
      }
      const helper = JSON.stringify(path.join(root, "lib/db/wasm-file"));
      const contents = `import { wasmModuleFromPackage } from ${helper};\n${small.replace(WASM_IMPORT, "return await wasmModuleFromPackage($1, import.meta.url)")}`;
      return { contents, loader: "ts" };
    });
  },
});

export async function buildServer(root: string, distDir: string): Promise<{ outDir: string; bytes: number }> {
  const outDir = path.join(root, distDir, SERVER_BUILD_DIR);
  rmSync(outDir, { recursive: true, force: true });
  const server = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, "scripts/server.ts")],
    outfile: path.join(outDir, SERVER_FILE),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    tsconfig: path.join(root, "tsconfig.json"),
    metafile: true,
    logLevel: "warning",
  });
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      [GATEWAY_ENGINE_FILE.replace(/\.mjs$/, "")]: path.join(root, "lib/gateway-role.ts"),
      [GATEWAY_SINK_WORKER_FILE.replace(/\.mjs$/, "")]: path.join(root, "lib/store/log-sink-worker.ts"),
    },
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // A dynamic import stays lazy, in a chunk of its own: OpenTelemetry's SDK is loaded only when
    // tracing is on (lib/tracing/index.ts), as in the default role. Without splitting, esbuild
    // would inline the module and hoist its packages' imports to the top of the engine.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    tsconfig: path.join(root, "tsconfig.json"),
    metafile: true,
    logLevel: "warning",
    plugins: [smallQueryCompiler(root)],
  });
  const reached = new Set<string>();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) if (imp.external && FORBIDDEN.test(imp.path)) reached.add(`${file} imports ${imp.path}`);
  }
  if (reached.size > 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`the gateway-only role must not load Next.js, React or next-auth:\n  ${[...reached].join("\n  ")}`);
  }
  for (const file of [SERVER_FILE, GATEWAY_ENGINE_FILE, GATEWAY_SINK_WORKER_FILE]) {
    if (!existsSync(path.join(outDir, file))) throw new Error(`esbuild did not write ${file}`);
  }
  const bytes = [...Object.values(server.metafile.outputs), ...Object.values(result.metafile.outputs)].reduce((n, o) => n + o.bytes, 0);
  return { outDir, bytes };
}

if (require.main === module) {
  const root = path.resolve(__dirname, "..");
  buildServer(root, distDirOf()).then(
    ({ outDir, bytes }) =>
      process.stdout.write(`[detour] server built: ${path.relative(root, outDir)} (${Math.round(bytes / 1024)} KiB)\n`),
    (err: unknown) => {
      process.stderr.write(`Building Detour's server failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
