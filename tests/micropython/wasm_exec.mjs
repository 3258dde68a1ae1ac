// Runs one MicroPython script on the official WebAssembly build (a 32-bit
// interpreter) with a host directory as its /lib.
//
//   node tests/micropython/wasm_exec.mjs [--heapsize BYTES] LIBDIR SCRIPT.py
//
// Every file under LIBDIR (e.g. a `firmware_shim.deploy --out` tree of .mpy
// files) is written into the build's in-memory file system under /lib, which
// is put first on sys.path; then SCRIPT.py runs and its output goes to stdout.
// Used by bench/bench_micropython.py for the 32-bit heap figures. Exit status:
// 0 when the script ran to its end, 1 on an uncaught Python exception (the
// package's own CLI exits 0 then), 2 on bad arguments.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const args = process.argv.slice(2);
let heapsize = 1024 * 1024;
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--heapsize") heapsize = Number(args[++i]);
  else rest.push(args[i]);
}
if (rest.length !== 2 || !(heapsize > 0)) {
  console.error("usage: wasm_exec.mjs [--heapsize BYTES] LIBDIR SCRIPT.py");
  process.exit(2);
}
const [libdir, script] = rest;

const mp = await loadMicroPython({
  heapsize,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});

function copyTree(source, target) {
  try { mp.FS.mkdir(target); } catch { /* exists */ }
  for (const name of readdirSync(source)) {
    const from = join(source, name);
    const to = target + "/" + name;
    if (statSync(from).isDirectory()) copyTree(from, to);
    else mp.FS.writeFile(to, readFileSync(from));
  }
}

copyTree(libdir, "/lib");
let status = 0;
try {
  mp.runPython("import sys\nsys.path.insert(0, '/lib')\n");
  mp.runPython(readFileSync(script, "utf8"));
} catch (e) {
  console.error("wasm_exec: " + (e.type || "error") + ": " + (e.message || e));
  status = 1;
}
process.exitCode = status;
