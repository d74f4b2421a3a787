/**
 * Prisma's query compiler as a compiled WebAssembly module, read from the package's base64 file
 * without importing it (the gateway-only role's build, scripts/build-server.ts, points the generated
 * clients here). Importing `query_compiler_*_bg.<db>.wasm-base64.mjs` keeps the module for the
 * life of the process: its 2.1 MiB source and its 2.1 MiB `wasm` string, ~4 MiB of heap holding
 * bytes compiled once. Read as a file, the text is garbage once the module is compiled.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

/** The file's one string literal (`const wasm = "<base64>"; export { wasm }`), decoded and compiled. */
export async function wasmModuleFromBase64File(file: string): Promise<WebAssembly.Module> {
  const text = await readFile(file, "utf8");
  const open = text.indexOf('"');
  const close = text.indexOf('"', open + 1);
  if (open === -1 || close === -1 || !/^[A-Za-z0-9+/=]*$/.test(text.slice(open + 1, Math.min(close, open + 65)))) {
    throw new Error(`${file} does not hold Prisma's query compiler as one base64 string literal`);
  }
  return new WebAssembly.Module(Buffer.from(text.slice(open + 1, close), "base64"));
}

/** `specifier` (a package path) resolved from `from` (a module URL or path), then compiled as above. */
export function wasmModuleFromPackage(specifier: string, from: string): Promise<WebAssembly.Module> {
  return wasmModuleFromBase64File(createRequire(from).resolve(specifier));
}
