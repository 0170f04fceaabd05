// Registers the service worker and exposes its update state to Python as window.appUpdate.
// On the first visit it waits until the worker controls the page, so Python boots from the
// worker's caches (and the runtimes are not downloaded twice).
const CLAIM_TIMEOUT_MS = 15_000;

export const appUpdate = {
  available: false,
  apply() {
    const waiting = appUpdate.registration?.waiting;
    if (!waiting) return location.reload();
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
    waiting.postMessage({ type: "SKIP_WAITING" });
  },
};
globalThis.appUpdate = appUpdate;

function announce(registration) {
  appUpdate.registration = registration;
  appUpdate.available = true;
  dispatchEvent(new CustomEvent("app:update-available"));
}

function watchForUpdates(registration) {
  appUpdate.registration = registration;
  if (registration.waiting && navigator.serviceWorker.controller) announce(registration);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      // "installed" with an existing controller means a new version is waiting.
      if (worker.state === "installed" && navigator.serviceWorker.controller) announce(registration);
    });
  });
}

export async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return "unsupported";
  let registration;
  try {
    registration = await navigator.serviceWorker.register("./sw.js", { scope: "./" });
  } catch (err) {
    console.warn("service worker not registered:", err);
    return "failed";
  }
  if (!registration) return "blocked";   // e.g. an automation policy that blocks workers
  watchForUpdates(registration);
  if (navigator.serviceWorker.controller) return "controlled";
  const claimed = new Promise((resolve) =>
    navigator.serviceWorker.addEventListener("controllerchange", () => resolve("claimed"), { once: true }));
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), CLAIM_TIMEOUT_MS));
  return Promise.race([claimed, timeout]);
}

// Once the app is ready, ask the worker to keep the runtimes (and the Pyodide snapshot) for
// offline use, in the background: the first boot never waits for it. The worker answers
// when it is done; root[data-offline] and an "app:offline" event tell the app.
export function warmWhenReady(root) {
  const worker = navigator.serviceWorker;
  if (!worker) return;
  worker.addEventListener("message", (event) => {
    const { type, message } = event.data ?? {};
    if (type !== "OFFLINE_READY" && type !== "OFFLINE_FAILED") return;
    root.dataset.offline = type === "OFFLINE_READY" ? "ready" : "failed";
    dispatchEvent(new CustomEvent("app:offline", { detail: { state: root.dataset.offline, message } }));
  });
  worker.startMessages();
  const send = () => worker.controller?.postMessage({ type: "WARM" });
  if (root.dataset.appState === "ready") return send();
  new MutationObserver((_, observer) => {
    if (root.dataset.appState === "booting") return;
    observer.disconnect();
    if (root.dataset.appState === "ready") send();
  }).observe(root, { attributes: true, attributeFilter: ["data-app-state"] });
}
