// Runs tests/portable on the official MicroPython WebAssembly build under node.
//
//   node tests/micropython/run_wasm.mjs [--root REPO] [--only test_x,test_y] [EXTRA_TEST.py ...]
//
// Writes the manifest's modules (firmware_shim/manifest.txt: exactly what a
// board gets) into the build's in-memory file system under /lib, every
// tests/portable/*.py plus any EXTRA_TEST.py under /tests, then runs
// portable_runner.py (the same driver the unix port uses). The package's own
// CLI exits 0 even on an uncaught exception, so this runner decides the exit
// status itself: non-zero unless the driver's summary line reports at least one
// passed test and none failed (import errors and "no test found" are failures).

import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let root = resolve(here, "..", "..");
let only = [];
const extra = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--root") root = resolve(args[++i]);
  else if (args[i] === "--only") only = args[++i].split(",").filter(Boolean);
  else extra.push(resolve(args[i]));
}

const out = [];
const mp = await loadMicroPython({
  heapsize: 4 * 1024 * 1024,
  stdout: (line) => { out.push(line); console.log(line); },
  stderr: (line) => console.error(line),
});

function mkdirs(path) {
  let cur = "";
  for (const part of path.split("/").filter(Boolean)) {
    cur += "/" + part;
    try { mp.FS.mkdir(cur); } catch { /* exists */ }
  }
}

function put(target, source) {
  mkdirs(dirname(target));
  mp.FS.writeFile(target, readFileSync(source));
}

const manifest = readFileSync(join(root, "firmware_shim", "manifest.txt"), "utf8")
  .split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
for (const rel of manifest) put("/lib/" + rel, join(root, rel));
put("/lib/portable_runner.py", join(here, "portable_runner.py"));
const portable = join(root, "tests", "portable");
for (const name of readdirSync(portable)) {
  if (name.endsWith(".py")) put("/tests/" + name, join(portable, name));
}
for (const file of extra) put("/tests/" + basename(file), file);
mkdirs("/tmp");

let failed = true;
try {
  mp.runPython(
    "import sys\nsys.path.insert(0, '/lib')\nfrom portable_runner import run\n" +
    "run('/tests', " + JSON.stringify(only) + ")\n");
  const summary = out.filter((l) => l.startsWith("PORTABLE SUMMARY")).pop() || "";
  const m = /passed=(\d+) failed=(\d+)/.exec(summary);
  failed = !m || Number(m[1]) === 0 || Number(m[2]) !== 0;
  if (!m) console.error("no summary line from the driver");
} catch (e) {
  console.error("runner crashed:", e.type || "", e.message || e);
}
process.exitCode = failed ? 1 : 0;
console.log("wasm runner: " + (failed ? "FAILED" : "ok"));
