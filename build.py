#!/usr/bin/env python3
"""Build, serve, test and benchmark the offline to-do assistant.

    python3 build.py serve [--port N]     build what is missing, then serve on localhost
    python3 build.py build                vendor runtimes + embedded model, assemble site/
    python3 build.py test [pytest args]   run the whole test suite (installs test deps)
    python3 build.py bench SUITE [--json PATH] [--runs N]
    python3 build.py convert SOURCE --to mediapipe [--quantize Q] [--id ID]
                                          convert a model for MediaPipe (tools/convert/)
    python3 build.py convert SOURCE --to webllm [--id ID]
                                          compile a model for web-llm (tools/convert/)
"""
import argparse
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

TEST_REQUIREMENTS = ROOT / "tests" / "requirements.txt"


def cmd_build(_args=None):
    from tools import site, snapshot, vendor
    started = time.monotonic()
    try:
        vendor.vendor_runtimes()
        vendor.vendor_embedded_model()
        snapshot.build_snapshot()
    except vendor.BuildError as exc:
        sys.exit(f"[build] error: {exc}")
    site.assemble()
    print(f"[build] done in {time.monotonic() - started:.1f} s", flush=True)


def cmd_serve(args):
    cmd_build()
    from tools import devserver, site
    server = devserver.make_server(site.SITE, args.port, host=args.host)
    devserver.SiteHandler.quiet = not args.verbose
    host, port = server.server_address[:2]
    print(f"Serving on http://{'localhost' if host == '127.0.0.1' else host}:{port}/ "
          "(Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def ensure_test_requirements():
    """Install the pinned test dependencies into the running Python when any is missing."""
    try:
        for name in ("playwright", "pytest", "numpy", "sentencepiece", "flatbuffers", "tflite"):
            importlib.import_module(name)
        return
    except ImportError:
        pass
    print("[test] installing test dependencies", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", str(TEST_REQUIREMENTS)], check=True)


def cmd_test(args):
    ensure_test_requirements()
    cmd_build()
    code = subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=ROOT)
    sys.exit(code)


def cmd_bench(args):
    ensure_test_requirements()
    cmd_build()
    from tools.bench import run_suite
    sys.exit(run_suite(args.suite, runs=args.runs, json_path=args.json))


def cmd_convert(args):
    # tools/convert/mediapipe.py or webllm.py; each imports only what its target needs.
    importlib.import_module(f"tools.convert.{args.to}").main(args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="vendor runtimes and the embedded model; assemble site/")
    serve = sub.add_parser("serve", help="build what is missing, then serve the site")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    test = sub.add_parser("test", help="run the test suite")
    bench = sub.add_parser("bench", help="run a headless benchmark suite")
    bench.add_argument("suite")
    bench.add_argument("--json", help="write results (with environment and targets) here")
    bench.add_argument("--runs", type=int, help="repetitions (default: the suite's own)")
    convert = sub.add_parser("convert", help="convert a model for MediaPipe or compile it for "
                             "web-llm (tools/convert/)")
    convert.add_argument("source", help="a catalog id, a .gguf file or (MediaPipe) a Hugging Face "
                         "folder")
    convert.add_argument("--to", choices=["mediapipe", "webllm"], required=True)
    convert.add_argument("--id", help="catalog id of the result (default: from the source)")
    convert.add_argument("--lora", metavar="ADAPTER",
                         help="MediaPipe: a LoRA adapter (refused: see README)")
    convert.add_argument("--quantize", default="dynamic_int8",
                         help="MediaPipe: litert-torch recipe: dynamic_int8 (default), fp16, none")
    convert.add_argument("--context", type=int, default=1280,
                         help="MediaPipe: KV cache length (tokens)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra  # everything unknown after `test` goes to pytest
    {"build": cmd_build, "serve": cmd_serve, "test": cmd_test, "bench": cmd_bench,
     "convert": cmd_convert}[args.command](args)


if __name__ == "__main__":
    main()
