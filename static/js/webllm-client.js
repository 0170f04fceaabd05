// Main-thread side of web-llm for app/engines/webllm.py (the engine runs in webllm-worker.js).
// web-llm's worker protocol rejects promises with plain strings, and a JS promise rejected
// with a non-Error crashes Pyodide as soon as Python holds it (even if handled later). So
// nothing here hands Python a promise that can reject with anything but an Error.
import * as webllm from "../wasm/web-llm@0.2.86/index.js";

const asError = (e) => (e instanceof Error ? e : new Error(String(e)));
const safe = (work) => Promise.resolve().then(work).catch((e) => { throw asError(e); });

export const prebuiltModels = () => webllm.prebuiltAppConfig.model_list;

export function createEngine(workerUrl, modelId, appConfig, onProgress) {
  const worker = new Worker(workerUrl, { type: "module" });
  return safe(() => webllm.CreateWebWorkerMLCEngine(
    worker, modelId, { appConfig, initProgressCallback: onProgress },
  )).then((engine) => ({ engine, worker }), (e) => { worker.terminate(); throw e; });
}

export async function* chat(engine, request) {
  try {
    const stream = await engine.chat.completions.create(request);
    for await (const chunk of stream) yield chunk;
  } catch (e) {
    throw asError(e);
  }
}

export const interrupt = (engine) => engine.interruptGenerate();
export const unload = (engine, worker) => safe(() => engine.unload()).finally(() => worker.terminate());
export const hasModel = (modelId, appConfig) => safe(() => webllm.hasModelInCache(modelId, appConfig));
export const deleteModel = (modelId, appConfig) =>
  safe(() => webllm.deleteModelAllInfoInCache(modelId, appConfig));
