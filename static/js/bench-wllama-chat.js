// Baseline for `build.py bench chat`: the same wllama calls as app/engines/wllama.py,
// made directly from JS (same wasm, same load parameters, same request, same timing points).
import { Wllama, LoggerWithoutDebug } from "../wasm/wllama@3.8.1/index.js";

export async function load(blob, { nCtx, threads, gpuLayers }) {
  const wllama = new Wllama(
    { default: new URL("../wasm/wllama@3.8.1/wllama.wasm", import.meta.url).href },
    { suppressNativeLog: true, logger: LoggerWithoutDebug });
  wllama.setCompat(null);
  await wllama.loadModel([blob], { n_ctx: nCtx, n_threads: threads, n_gpu_layers: gpuLayers });
  return wllama;
}

// Time to first token (ms from the call) and decode rate between the first and last token.
export async function chat(wllama, messages, { maxTokens, temperature, topK, topP }) {
  const start = performance.now();
  let first = null, last = null, tokens = 0, text = "";
  const stream = await wllama.createChatCompletion({
    messages, stream: true, max_tokens: maxTokens, temperature, top_k: topK, top_p: topP,
    cache_prompt: false, abortSignal: new AbortController().signal,
  });
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) {
      last = performance.now();
      if (first === null) first = last;
      tokens += 1;
      text += delta;
    }
  }
  return { ttft_ms: first - start, decode_tps: (tokens - 1) * 1000 / (last - first), tokens, text };
}
