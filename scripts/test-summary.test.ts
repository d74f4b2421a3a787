/**
 * scripts/test-summary.mjs on the reports of real vitest and Playwright runs: a failed test is named in the
 * summary with the first line of its error, so the tail of a CI log says what failed.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "..");
let dir = "";
let reports = "";

/** Runs a command that is expected to fail (the tests in it fail); returns nothing, the report is the point. */
async function runFailing(command: string, args: string[], env: Record<string, string> = {}) {
  await run(command, args, { cwd: dir, env: { ...process.env, ...env, CI: "" } }).then(
    () => {
      throw new Error(`${command} ${args.join(" ")} passed; its tests were meant to fail`);
    },
    (error: { code?: number }) => expect(error.code).toBe(1),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "detour-summary-"));
  reports = path.join(dir, "reports");
  mkdirSync(reports);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(
    path.join(dir, "sum.test.ts"),
    `import { describe, expect, it } from "vitest";
describe("sums", () => {
  it("adds", () => { expect(1 + 1).toBe(3); });
  it("passes", () => {});
});\n`,
  );
  writeFileSync(path.join(dir, "broken.test.ts"), `import "./no-such-module";\n`);
  writeFileSync(
    path.join(dir, "page.spec.ts"),
    `import { expect, test } from "@playwright/test";
test.describe("outer", () => {
  test("compares", () => { expect(2).toBe(5); });
  test("passes", () => {});
});\n`,
  );
  writeFileSync(path.join(dir, "vitest.config.mjs"), `export default { test: { include: ["*.test.ts"] } };\n`);
  writeFileSync(path.join(dir, "playwright.config.mjs"), `export default { testDir: ".", testMatch: "*.spec.ts" };\n`);
  const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
  await runFailing(bin("vitest"), ["run", "--reporter=json", `--outputFile.json=${path.join(reports, "unit.json")}`]);
  await runFailing(bin("playwright"), ["test", "--reporter=json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(reports, "e2e.json"),
  });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the test summary", () => {
  it("names each failed test with its error's first line, and a file that failed to load", async () => {
    const { stdout, code } = await run("node", [path.join(ROOT, "scripts", "test-summary.mjs"), reports], { cwd: dir }).then(
      (r) => ({ ...r, code: 0 }),
      (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
    );
    expect(code).toBe(1);
    const lines = stdout.split("\n");
    expect(lines).toContain("  e2e                  1 passed, 1 failed, 0 skipped");
    expect(lines).toContain("    FAILED page.spec.ts:3 compares: Error: expect(received).toBe(expected) // Object.is equality");
    expect(lines).toContain("  unit                 1 passed, 2 failed, 0 skipped");
    expect(lines).toContain("    FAILED sum.test.ts > sums adds: AssertionError: expected 2 to be 3 // Object.is equality");
    expect(lines.find((l) => l.startsWith("    FAILED broken.test.ts: "))).toMatch(/no-such-module/);
    expect(lines.at(-2)).toBe("2 passed, 3 failed, 0 skipped");
    expect(stdout).not.toContain("\u001b[");
  });
});
