"""Run a MediaPipe model file in headless Chromium through tasks-genai alone (no app, no
Pyodide) and print what it streams, piece by piece, with timings and the runtime's console
lines (which say how many operations its WebGPU delegate took). The quickest way to see
whether a converted `.task` answers in the browser, and to compare options (forceF32).

    python3 -m tools.convert.web_probe models/<id>/<hash>/<file>.task [--no-f32]
        [--pieces 12] [--text "How many open to-dos do I have?"] [--gpu-args]

The prompt is one ChatML user turn, written in the byte-level alphabet the converted
tokenizer speaks (app/engines/byte_level.py); pieces are printed raw and decoded. The model
is read through the dev server from the site folder, so run `build.py build` first.
"""
import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from app.engines import byte_level
from app.engines.jsmodules import TASKS_GENAI_DIR
from tools import vendor
from tools.browser import BASE_ARGS
from tools.devserver import serve_in_thread

GPU_ARGS = ("--enable-unsafe-webgpu", "--ignore-gpu-blocklist", "--enable-features=Vulkan",
            "--use-angle=vulkan", "--disable-vulkan-surface",
            "--enable-dawn-features=vulkan_enable_f16_on_nvidia")

# Loads the model from its URL, generates greedily and cancels after `pieces` pieces.
PROBE_JS = """async ({bundle, wasm, model, prompt, forceF32, maxTokens, pieces}) => {
  const genai = await import(bundle);
  const fileset = await genai.FilesetResolver.forGenAiTasks(wasm);
  const started = performance.now();
  const llm = await genai.LlmInference.createFromOptions(fileset, {
    baseOptions: {modelAssetPath: model}, maxTokens, topK: 1, temperature: 0, randomSeed: 1,
    forceF32});
  const loadMs = performance.now() - started;
  const got = [], at = [];
  const asked = performance.now();
  await llm.generateResponse(prompt, (piece, done) => {
    if (piece) { got.push(piece); at.push(performance.now() - asked); }
    if (got.length >= pieces && !done) llm.cancelProcessing();
  });
  llm.close();
  return {loadMs, pieces: got, at};
}"""


def chatml(text):
    return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", type=Path)
    parser.add_argument("--no-f32", action="store_true", help="leave forceF32 off")
    parser.add_argument("--pieces", type=int, default=12)
    parser.add_argument("--text", default="How many open to-dos do I have?")
    parser.add_argument("--system", default="The user has 3 open to-dos: Buy milk; Pay rent; "
                                            "Call mom.")
    parser.add_argument("--gpu-args", action="store_true",
                        help="flags for a real GPU (Vulkan) instead of SwiftShader")
    args = parser.parse_args(argv)
    site = vendor.ROOT / "site"
    model = args.task.resolve()
    try:
        url_path = "/" + model.relative_to(vendor.ROOT).as_posix()
    except ValueError:
        sys.exit(f"{args.task}: must be inside {vendor.ROOT} (served through site/models)")
    if not model.is_file():
        sys.exit(f"{args.task}: no such file")
    prompt = (f"<|im_start|>system\n{args.system}<|im_end|>\n" if args.system else "") \
        + chatml(args.text)
    from playwright.sync_api import sync_playwright
    server, base = serve_in_thread(site)
    flags = GPU_ARGS if args.gpu_args else ("--enable-unsafe-webgpu",)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                        args=[*BASE_ARGS, *flags])
            page = browser.new_page()
            page.on("console", lambda m: print(f"  console: {m.text[:300]}", flush=True))
            page.goto(base + "/probe-404")     # any page of the origin: a secure context
            started = time.monotonic()
            result = page.evaluate(PROBE_JS, {
                "bundle": base + "/" + TASKS_GENAI_DIR + "genai_bundle.mjs",
                "wasm": base + "/" + TASKS_GENAI_DIR + "wasm", "model": base + url_path,
                "prompt": byte_level.encode(prompt), "forceF32": not args.no_f32,
                "maxTokens": 512, "pieces": args.pieces})
            browser.close()
    finally:
        server.stop()
    decoder = byte_level.Decoder()
    text = "".join(decoder.feed(p) for p in result["pieces"]) + decoder.flush()
    at = result["at"]
    summary = {"forceF32": not args.no_f32, "load_ms": round(result["loadMs"]),
               "first_piece_ms": round(at[0]) if at else None,
               "ms_per_piece": round((at[-1] - at[0]) / (len(at) - 1)) if len(at) > 1 else None,
               "pieces": result["pieces"], "text": text,
               "wall_s": round(time.monotonic() - started)}
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
