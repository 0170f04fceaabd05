// Boot: register the service worker (first visit: wait until it controls the page), then
// start PyScript. Also the boot watchdog: Python sets data-app-state="ready" itself once it
// has rendered; this file only reports failures Python cannot report (a runtime that fails to download, a crash before
// app.main runs) by setting data-app-state="error" with a visible message.
import { registerServiceWorker, warmWhenReady } from "./sw-register.js";

const root = document.documentElement;
const PYSCRIPT = "../wasm/pyscript@0.7.31/core.js";
const BOOT_TIMEOUT_MS = 120_000;

export function fail(message) {
  if (root.dataset.appState === "ready" || root.dataset.appState === "error") return;
  root.dataset.appState = "error";
  const app = document.getElementById("app");
  app?.removeAttribute("aria-busy");
  const box = document.getElementById("boot-status") ?? app?.appendChild(document.createElement("p"));
  if (box) {
    box.className = "boot-error";
    box.setAttribute("role", "alert");
    box.textContent = `The app could not start: ${message}`;
  }
  performance.mark("app-error");
}

// Capture phase also sees resource load failures (a missing script or stylesheet).
addEventListener("error", (event) => {
  const target = event.target;
  if (target && target !== window && (target.src || target.href)) {
    fail(`could not load ${target.src || target.href}`);
  } else if (event.message) {
    fail(event.message);
  }
}, true);
addEventListener("unhandledrejection", (event) => {
  fail(String(event.reason?.message ?? event.reason));
});
// PyScript reports Python exceptions it catches by rendering a .py-error element.
new MutationObserver((_, observer) => {
  const err = document.querySelector(".py-error");
  if (err) { fail(err.textContent.trim().split("\n").slice(-1)[0] || "Python error"); observer.disconnect(); }
  if (root.dataset.appState !== "booting") observer.disconnect();
}).observe(document.body ?? root, { childList: true, subtree: true });
// Pyodide swallows a failed wasm download and then waits forever, so the one place it fetches
// its wasm is watched: a failed or non-OK response becomes a named error while booting.
const instantiateStreaming = WebAssembly.instantiateStreaming;
WebAssembly.instantiateStreaming = async function (source, imports) {
  let response;
  try {
    response = await source;
  } catch (err) {
    fail(`could not download WebAssembly: ${err.message ?? err}`);
    throw err;
  }
  if (!response.ok) fail(`could not load ${response.url} (HTTP ${response.status})`);
  return instantiateStreaming.call(this, response, imports);
};
setTimeout(() => fail(`Python did not start within ${BOOT_TIMEOUT_MS / 1000} s`), BOOT_TIMEOUT_MS);

// The Pyodide loader starts fetching the snapshot as soon as it is imported: while the
// worker registers (first visit) or PyScript loads, not after. PyScript imports the same
// module later (pyscript.json "interpreter") and finds it done.
import("./pyodide-loader.mjs").catch(() => {});   // a failure shows when PyScript imports it
performance.mark("sw-start");
const workerState = await registerServiceWorker();
performance.mark("sw-ready");
root.dataset.serviceWorker = workerState;
warmWhenReady(root);
try {
  await import(PYSCRIPT);
} catch (err) {
  fail(`could not load PyScript: ${err.message ?? err}`);
}
