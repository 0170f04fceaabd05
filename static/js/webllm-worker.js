// Module worker hosting web-llm's engine (app/engines/webllm.py talks to it through
// WebWorkerMLCEngine), so loading and generating never block the page.
import { WebWorkerMLCEngineHandler } from "../wasm/web-llm@0.2.86/index.js";

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (message) => handler.onmessage(message);
