import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { wasmModuleFromBase64File, wasmModuleFromPackage } from "./wasm-file";

// A real module: (func (export "answer") (result i32) i32.const 42)
const ANSWER = Buffer.from("0061736d01000000010501600001" + "7f03020100070a0106616e7377657200000a06010400412a0b", "hex");

describe("wasmModuleFromBase64File", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "detour-wasm-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles the base64 string of a Prisma-shaped module file", async () => {
    const file = path.join(dir, "compiler.wasm-base64.mjs");
    writeFileSync(file, `const wasm = "${ANSWER.toString("base64")}";\nexport { wasm }\n`);
    const module = await wasmModuleFromBase64File(file);
    const instance = new WebAssembly.Instance(module);
    expect((instance.exports.answer as () => number)()).toBe(42);
  });

  it("says so when the file is not one base64 string literal", async () => {
    const file = path.join(dir, "other.mjs");
    writeFileSync(file, `export const wasm = await load("x.wasm");\n`);
    await expect(wasmModuleFromBase64File(file)).rejects.toThrow(/does not hold Prisma's query compiler as one base64 string literal/);
  });

  it("compiles the installed Prisma's small SQLite and PostgreSQL compilers", async () => {
    for (const db of ["sqlite", "postgresql"]) {
      const module = await wasmModuleFromPackage(`@prisma/client/runtime/query_compiler_small_bg.${db}.wasm-base64.mjs`, import.meta.url);
      expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain("querycompiler_compile");
    }
  });
});
