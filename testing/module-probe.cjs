/**
 * Preloaded into a server under test (`NODE_OPTIONS=--require <this file>`): when the process exits,
 * writes the paths of every CommonJS module it loaded (require.cache) as JSON to
 * DETOUR_MODULE_PROBE_FILE. Tests read it to tell which packages a run loaded (tracing off loads no SDK).
 */
const { writeFileSync } = require("node:fs");

const file = process.env.DETOUR_MODULE_PROBE_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, JSON.stringify(Object.keys(require.cache)));
  });
}
