// Build step (run by tools/snapshot.py with Node): boot the vendored Pyodide once, import the
// stdlib modules the app needs at boot, and write its memory snapshot. Browsers restore it
// instead of running Python's own startup (static/js/pyodide-loader.mjs).
//   node tools/pyodide_snapshot.mjs <pyodide indexURL dir> <out file> <python to run first>
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [indexDir, outFile, preload] = process.argv.slice(2);
// Emscripten names the program after argv[1] in Node; the browser's name is "./this.program".
// Without this the build machine's script path would end up in sys.executable and $_.
process.argv.splice(1);
const { loadPyodide } = await import(pathToFileURL(`${indexDir}/pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: `${indexDir}/`, _makeSnapshot: true });
pyodide.runPython(preload);
writeFileSync(outFile, pyodide.makeMemorySnapshot());
