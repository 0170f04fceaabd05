"""Headless benchmark suites: `python3 build.py bench SUITE [--json PATH] [--runs N]`.

A suite is a module here with `run(runs) -> report.Result`. This package prints its table
and writes the JSON every suite shares (environment, raw samples, targets).
"""
import importlib
import inspect
import pkgutil

from tools.bench import report


def suites():
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "report")


def run_suite(name, runs=None, json_path=None):
    if name not in suites():
        print(f"unknown suite {name!r}; available: {', '.join(suites())}")
        return 2
    module = importlib.import_module(f"tools.bench.{name}")
    # Suites that write files besides the JSON (the storage chart) take its path too.
    extra = {"json_path": json_path} if "json_path" in inspect.signature(module.run).parameters else {}
    if runs is not None:
        extra["runs"] = runs
    result = module.run(**extra)
    print(report.format_table(result))
    if json_path:
        report.write_json(result, json_path)
        print(f"wrote {json_path}")
    return 0
