"""Run a MediaPipe model file in headless Chromium through tasks-genai alone (no app, no
Pyodide) and print what it streams, piece by piece, with timings and the runtime's console
lines (which say how many operations its WebGPU delegate took). The quickest way to see
whether a converted `.task` answers in the browser, and to compare options (forceF32).

    python3 -m tools.convert.web_probe models/<id>/<hash>/<file>.task [--no-f32]
        [--pieces 24] [--text "How many open to-dos do I have?"] [--gpu] [--runs 1]

The prompt is a ChatML system + user turn, written in the byte-level alphabet the converted
tokenizer speaks (app/engines/byte_level.py); pieces are printed raw and decoded. Chromium is
driven over its DevTools pipe (tools/cdp.py, no Playwright), so this also runs where only a
carried Chromium exists: set CHROMIUM to its path. The model is served from the site
folder (`build.py build` first). Prints one JSON line per run.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from app.engines import byte_level
from app.engines.jsmodules import TASKS_GENAI_DIR
from tools import vendor
from tools.browser import CONFIGS
from tools.cdp import Chromium
from tools.devserver import serve_in_thread

# Loads the model from its URL once, then per run generates greedily and cancels after
# `pieces` pieces. The runtime's log lines go to the console: kept to be printed.
LOAD_JS = """async ({bundle, wasm, model, forceF32, maxTokens}) => {
  window.probeLog = [];
  for (const level of ["log", "info", "warn", "error"]) {
    const original = console[level].bind(console);
    console[level] = (...args) => { probeLog.push(args.join(" ")); original(...args); };
  }
  const genai = await import(bundle);
  const fileset = await genai.FilesetResolver.forGenAiTasks(wasm);
  const started = performance.now();
  window.probeLlm = await genai.LlmInference.createFromOptions(fileset, {
    baseOptions: {modelAssetPath: model}, maxTokens, topK: 1, temperature: 0, randomSeed: 1,
    forceF32});
  return performance.now() - started;
}"""
RUN_JS = """async ({prompt, pieces, stop}) => {
  const got = [], at = [];
  let cancelledAt = null, error = null;
  const asked = performance.now();
  try {
    await probeLlm.generateResponse(prompt, (piece, done) => {
      if (piece) { got.push(piece); at.push(performance.now() - asked); }
      if (got.length >= pieces && !done && cancelledAt === null) {
        cancelledAt = got.length;
        if (stop === "throw") throw new Error("stopped by the listener");
        probeLlm.cancelProcessing();
      }
    });
  } catch (e) { error = String(e).slice(0, 300); }
  return {pieces: got, at, cancelledAt, error, doneMs: performance.now() - asked};
}"""


def prompt_for(system, text):
    turns = (f"<|im_start|>system\n{system}<|im_end|>\n" if system else "") \
        + f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"
    return byte_level.encode(turns)


def summary(result, force_f32):
    """Timings and the decoded text of one run."""
    decoder = byte_level.Decoder()
    text = "".join(decoder.feed(p) for p in result["pieces"]) + decoder.flush()
    at = result["at"]
    return {"forceF32": force_f32, "first_piece_ms": round(at[0]) if at else None,
            "pieces_per_s": round((len(at) - 1) * 1000 / (at[-1] - at[0]), 2)
            if len(at) > 1 else None,
            "n": len(at), "cancelled_at_piece": result.get("cancelledAt"),
            "error": result.get("error"),
            "done_ms": round(result["doneMs"]) if "doneMs" in result else None,
            "pieces": result["pieces"], "text": text}


def model_url(site, model):
    """The URL path of `model` on a server of `site` (directly, or under its models/ link)."""
    model = model.resolve()
    for prefix, root in (("/", site.resolve()), ("/models/", (site / "models").resolve())):
        try:
            return prefix + model.relative_to(root).as_posix()
        except ValueError:
            pass
    raise ValueError(f"{model} is not served from {site} (put it under {site / 'models'})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", type=Path)
    parser.add_argument("--no-f32", action="store_true", help="leave forceF32 off")
    parser.add_argument("--pieces", type=int, default=24, help="cancel after this many")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--text", default="How many open to-dos do I have?")
    parser.add_argument("--system", default="The user has 3 open to-dos: Buy milk; Pay rent; "
                                            "Call mom.")
    parser.add_argument("--context", type=int, default=1280, help="maxTokens")
    parser.add_argument("--stop", choices=("cancel", "throw"), default="cancel",
                        help="after --pieces: cancelProcessing(), or throw from the listener")
    parser.add_argument("--then", default=None,
                        help="after the runs, ask this too (run to its end): does the runtime "
                             "still answer after a stop?")
    parser.add_argument("--site", type=Path, default=vendor.ROOT / "site",
                        help="the built site to serve (default: this checkout's)")
    parser.add_argument("--gpu", action="store_true",
                        help="a real GPU's flags (Vulkan, f16) instead of SwiftShader's")
    args = parser.parse_args(argv)
    if not args.task.is_file():
        sys.exit(f"{args.task}: no such file")
    try:
        url_path = model_url(args.site, args.task)
    except ValueError as exc:
        sys.exit(str(exc))
    config = CONFIGS["gpu-f16" if args.gpu else "swiftshader"]
    server, base = serve_in_thread(args.site)
    force_f32 = not args.no_f32
    try:
        with tempfile.TemporaryDirectory() as profile:
            browser = Chromium(profile, extra_args=config.args)
            try:
                page = browser.new_page(base + "/probe-404")   # any page of the origin
                page.wait_for("document.readyState === 'complete'")
                load_ms = page.call(LOAD_JS, {
                    "bundle": f"{base}/{TASKS_GENAI_DIR}genai_bundle.mjs",
                    "wasm": f"{base}/{TASKS_GENAI_DIR}wasm", "model": base + url_path,
                    "forceF32": force_f32, "maxTokens": args.context}, timeout=1200)
                print(json.dumps({"chromium": browser.version, "config": config.name,
                                  "load_ms": round(load_ms)}), flush=True)
                for _ in range(args.runs):
                    started = time.monotonic()
                    result = page.call(RUN_JS, {"prompt": prompt_for(args.system, args.text),
                                                "pieces": args.pieces, "stop": args.stop},
                                       timeout=3600)
                    print(json.dumps({**summary(result, force_f32), "stop": args.stop,
                                      "wall_s": round(time.monotonic() - started)},
                                     ensure_ascii=False), flush=True)
                if args.then:
                    started = time.monotonic()
                    result = page.call(RUN_JS, {"prompt": prompt_for(args.system, args.then),
                                                "pieces": 1 << 30, "stop": "cancel"},
                                       timeout=3600)
                    print(json.dumps({**summary(result, force_f32), "then": args.then,
                                      "wall_s": round(time.monotonic() - started)},
                                     ensure_ascii=False), flush=True)
                for line in page.evaluate("probeLog"):
                    print(f"  console: {line[:240]}")
            finally:
                browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
