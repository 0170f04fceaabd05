// Baseline for the startup benchmark: load the vendored Pyodide and run one line of Python.
import { loadPyodide } from "../wasm/pyodide@314.0.7/pyodide.mjs";

const root = document.documentElement;
try {
  const pyodide = await loadPyodide({ indexURL: new URL("../wasm/pyodide@314.0.7/", import.meta.url).href });
  pyodide.runPython("1 + 1");
  root.dataset.appState = "ready";
  performance.mark("app-ready");
} catch (err) {
  root.dataset.appState = "error";
  document.body.textContent = `Pyodide failed: ${err}`;
}
