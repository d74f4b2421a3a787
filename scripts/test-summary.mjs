// Adds up the JSON reports of vitest and Playwright into one closing line: "N passed, N failed, N skipped",
// after one line per suite and one "FAILED <test>: <first line of its error>" line per failed test.
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
    // A file that fails to load has no failed test but a failed suite: it counts as one failure.
    f = report.numFailedTests + unloadedFiles(report).length;
    s = report.numPendingTests + (report.numTodoTests ?? 0);
  }
  console.log(`  ${file.replace(/\.json$/, "").padEnd(20)} ${p} passed, ${f} failed, ${s} skipped`);
  for (const line of failures(report)) console.log(`    FAILED ${line}`);
  passed += p;
  failed += f;
  skipped += s;
}
// A vitest report's files that failed with no failed test in them: they did not load (or a hook failed).
function unloadedFiles(report) {
  return (report.testResults ?? []).filter(
    (file) => file.status === "failed" && !(file.assertionResults ?? []).some((a) => a.status === "failed"),
  );
}

// The failed tests' names and the first line of each one's error, so that the last lines of a CI log,
// which may be all that is kept of it, say what failed and not only how many.
function failures(report) {
  const out = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Playwright's messages carry ANSI colour codes
  const plain = (text) => String(text ?? "").replace(/\u001b\[[0-9;]*m/g, "");
  const firstLine = (text) =>
    plain(text)
      .split("\n")
      .find((l) => l.trim()) ?? "";
  const clip = (text) => (text.length > 240 ? `${text.slice(0, 240)}...` : text);
  if (report.stats && "expected" in report.stats) {
    const walk = (suite, file) => {
      for (const spec of suite.specs ?? []) {
        if (spec.ok) continue;
        const result = spec.tests?.flatMap((t) => t.results ?? []).find((r) => r.status !== "passed" && r.status !== "skipped");
        out.push(clip(`${spec.file ?? file}:${spec.line} ${spec.title}: ${firstLine(result?.error?.message)}`));
      }
      for (const child of suite.suites ?? []) walk(child, suite.file ?? file);
    };
    for (const suite of report.suites ?? []) walk(suite, suite.file);
    return out;
  }
  const nameOf = (file) => path.relative(process.cwd(), file.name ?? "");
  for (const file of report.testResults ?? [])
    for (const a of (file.assertionResults ?? []).filter((a) => a.status === "failed"))
      out.push(clip(`${nameOf(file)} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`));
  for (const file of unloadedFiles(report)) out.push(clip(`${nameOf(file)}: ${firstLine(file.message)}`));
  return out;
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
