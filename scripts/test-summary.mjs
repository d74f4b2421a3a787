// Adds up the JSON reports of vitest and Playwright into one closing line: "N passed, N failed, N skipped".
// scripts/test-all.sh writes one `<suite>.json` per suite that ran and one `<suite>.not-run` (its text:
// why) per suite that did not, e.g. the PostgreSQL runs without PostgreSQL. Those are listed as
// "not run: <suite> (why)"; their tests are not counted at all, in particular not as skipped.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const dir = process.argv[2] ?? ".test-reports";
const files = readdirSync(dir).sort();
let passed = 0,
  failed = 0,
  skipped = 0;
for (const file of files.filter((f) => f.endsWith(".json"))) {
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
const notRun = files
  .filter((f) => f.endsWith(".not-run"))
  .map((f) => ({ suite: f.replace(/\.not-run$/, ""), why: readFileSync(path.join(dir, f), "utf8").trim() || "no reason given" }));
for (const { suite, why } of notRun) console.log(`  ${suite.padEnd(20)} not run: ${why}`);
if (passed === 0) {
  console.log("no test ran");
  process.exit(1);
}
const notRunText = notRun.length ? `; not run: ${notRun.map(({ suite, why }) => `${suite} (${why})`).join(", ")}` : "";
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${notRunText}`);
process.exit(failed > 0 ? 1 : 0);
