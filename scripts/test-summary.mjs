// Adds up the JSON reports of vitest and Playwright into one closing line: "N passed, N failed".
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const dir = process.argv[2] ?? ".test-reports";
let passed = 0,
  failed = 0,
  skipped = 0;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const report = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
  let p = 0,
    f = 0,
    s = 0;
  if (report.stats && "expected" in report.stats) {
    // Playwright
    p = report.stats.expected + (report.stats.flaky ?? 0);
    f = report.stats.unexpected;
    s = report.stats.skipped;
  } else {
    // vitest
    p = report.numPassedTests;
    // A file that fails to load has no failed test but a failed suite: count it once.
    f = report.numFailedTests > 0 ? report.numFailedTests : (report.numFailedTestSuites ?? 0);
    s = report.numPendingTests + (report.numTodoTests ?? 0);
  }
  console.log(`  ${file.replace(/\.json$/, "").padEnd(20)} ${p} passed, ${f} failed, ${s} skipped`);
  passed += p;
  failed += f;
  skipped += s;
}
if (passed === 0) {
  console.log("no test ran");
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
