"""Assistant: how many of 20 fixed questions about a fixed list (tests/chat/questions.json)
get a correct reply with the embedded model, and the time to the first token of a reply.

Scored: "assistant", the app as users get it (list questions answered by code from the
facts, everything else by the model with the facts in its system prompt). With
ASSISTANT_BENCH_MODEL_ONLY=1 also "model only": every question goes to the model (same
grounded prompt), to show what the model alone does with the facts (20 model replies: slow).

"Model cached": the model is loaded once (which copies it from the app into the user's
store), the browser is closed, and a new browser on the same profile loads it from that
store; then the first token is timed for `runs` replies to a question only the model answers
(greedy, no prompt cache, so every sample pays the full prompt). Time is measured in the
page, from the message to the first streamed text.
"""
import json
import os
import re
import tempfile
from pathlib import Path

from tools.bench.report import Result, environment, summary

QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "chat" / "questions.json"
TTFT_QUESTION = "What should I do first?"
MAX_TOKENS = 48
READY = "html[data-app-state=ready], html[data-app-state=error]"


def load_questions(path=QUESTIONS):
    return json.loads(Path(path).read_text())


def all_phrasings(spec):
    """[(part, question)] for both parts: "tests" (used by tests) and "heldout" (bench only)."""
    return [(part, q) for part in ("tests", "heldout") for q in spec[part]]


def is_correct(question, reply):
    """Every `expect` regex matches and no `reject` regex does (case-insensitive)."""
    return (all(re.search(p, reply, re.I) for p in question.get("expect", ()))
            and not any(re.search(p, reply, re.I) for p in question.get("reject", ())))


def snapshot(todos):
    """The list as [[title, done, due ISO or None]], for comparing before and after."""
    return [[t.title, t.done, t.due.isoformat() if t.due else None] for t in todos]


def change_error(question, before, after):
    """None when the list changed exactly as `question["change"]` says (nothing, when it has
    no change), else what differs: every command must be applied exactly once."""
    change = question.get("change")
    key = lambda item: item[0].lower()
    b = {key(i): i for i in before}
    removed = [i for i in before if key(i) not in {key(a) for a in after}]
    added = [i for i in after if key(i) not in b]
    modified = [(b[key(i)], i) for i in after if key(i) in b and b[key(i)] != i]
    got = {"removed": removed, "added": added, "modified": modified}
    want = {"removed": [], "added": [], "modified": []}
    if change is None:
        pass
    elif "add" in change:
        want["added"] = [[change["add"].lower(), False, change.get("due")]]
        added = [[i[0].lower(), i[1], i[2]] for i in added]
        got["added"] = added
    else:
        name, arg = next(iter(change.items()))
        title = (arg[0] if isinstance(arg, list) else arg)
        old = b.get(title.lower())
        if old is None:
            return f"the fixture has no {title!r}"
        if name == "delete":
            want["removed"] = [old]
        elif name == "done":
            want["modified"] = [(old, [old[0], True, old[2]])]
        elif name == "due":
            want["modified"] = [(old, [old[0], old[1], arg[1]])]
        elif name == "rename":
            want["removed"], want["added"] = [old], [[arg[1].lower(), old[1], old[2]]]
            got["added"] = [[i[0].lower(), i[1], i[2]] for i in added]
    if got != want:
        return f"list changed {got}, expected {want}"
    return None


def grade(question, kind, text, before, after):
    """-> (correct, why not). `kind`: who answered ("facts", "command", "model", ...)."""
    if question["kind"] != kind:
        return False, f"answered by {kind}, expected {question['kind']}"
    if not is_correct(question, text):
        return False, "reply does not match"
    error = change_error(question, before, after)
    return (error is None), error or ""


SETUP = """
import datetime
from app.engines.base import GenerationOptions
from app.ui.panels import mounted
spec = {spec}
chat, todos = mounted['chat'], mounted['todos'].todos
chat.assistant._today = lambda: datetime.date.fromisoformat(spec['today'])
chat.assistant.options = GenerationOptions(max_tokens={max_tokens}, temperature=0,
                                           extra={{'cache_prompt': False}})
await todos.delete_many([t.id for t in todos.items])
added = await todos.add_many([(t['title'], t['due']) for t in spec['todos']])
for todo, t in zip(added, spec['todos']):
    if t['done']:
        await todos.set_done(todo.id)
len(todos)
"""

ASK = """
from app.compat import js
from app.ui.panels import mounted
a = mounted['chat'].assistant
a.turns, a.route_facts = [], {route_facts}
start = js.performance.now()
reply = await a.respond({question!r})
first, parts = None, []
async for delta in reply.stream():
    if first is None:
        first = js.performance.now() - start
    parts.append(delta)
stats = getattr(a.engine, 'last_reply', None)
{{"kind": reply.kind, "text": "".join(parts), "first_ms": first,
  "total_ms": js.performance.now() - start,
  "prompt_tokens": stats.prompt_tokens if stats and reply.kind == 'model' else None,
  "engine_prompt_ms": stats.prompt_ms if stats and reply.kind == 'model' else None,
  "engine_decode_tps": stats.decode_tps if stats and reply.kind == 'model' else None}}
"""

LOAD = """
from app.compat import js
from app.ui.panels import load_embedded
start = js.performance.now()
engine = await load_embedded()
[js.performance.now() - start, engine.info().backend, engine.info().threads]
"""


def open_app(playwright, profile, base):
    from tools.browser import launch_persistent
    ctx = launch_persistent(playwright, profile)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(base + "/")
    page.wait_for_selector(READY, timeout=120_000, state="attached")
    if page.evaluate("document.documentElement.dataset.appState") != "ready":
        raise RuntimeError(f"the app failed to boot: {page.inner_text('body')[:300]}")
    return ctx, page


def run_py(page, code):
    return page.evaluate("code => appPython(code)", code)


def run(runs=5):
    from playwright.sync_api import sync_playwright

    from tools import site
    from tools.devserver import serve_in_thread

    spec = load_questions()
    server, base = serve_in_thread(site.SITE)
    modes = [("assistant", True)]
    if os.environ.get("ASSISTANT_BENCH_MODEL_ONLY") == "1":
        modes.append(("model only", False))
    answers = {mode: [] for mode, _ in modes}
    ttft, totals, prompt_tokens, engine_stats = [], [], [], []
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx, page = open_app(p, profile, base)          # 1st browser: fills the store
            run_py(page, LOAD)
            version = ctx.browser.version if ctx.browser else "unknown"
            ctx.close()
            ctx, page = open_app(p, profile, base)          # 2nd browser: model cached
            try:
                load_ms, backend, threads = run_py(page, LOAD)
                print(f"  model loaded from the store in {load_ms:.0f} ms ({backend}, {threads} threads)",
                      flush=True)
                run_py(page, SETUP.format(spec=repr(spec), max_tokens=MAX_TOKENS))
                for i in range(runs):
                    out = run_py(page, ASK.format(route_facts=True, question=TTFT_QUESTION))
                    ttft.append(out["first_ms"])
                    totals.append(out["total_ms"])
                    prompt_tokens.append(out["prompt_tokens"])
                    engine_stats.append([out["engine_prompt_ms"], out["engine_decode_tps"]])
                    print(f"  ttft run {i + 1}/{runs}: {out['first_ms']:.0f} ms "
                          f"({out['prompt_tokens']} prompt tokens)", flush=True)
                for mode, route in modes:
                    for n, q in enumerate(spec["questions"], 1):
                        out = run_py(page, ASK.format(route_facts=route, question=q["q"]))
                        out["question"], out["correct"] = q["q"], is_correct(q, out["text"])
                        answers[mode].append(out)
                        print(f"  {mode} {n:2}/{len(spec['questions'])} "
                              f"{'ok ' if out['correct'] else 'BAD'} [{out['kind']}] "
                              f"{q['q']} -> {out['text'].strip()[:100]!r}", flush=True)
            finally:
                ctx.close()
    finally:
        server.shutdown()

    n = len(spec["questions"])
    first = summary(ttft)
    rows = [["time to first token (model cached), ms", first["median"], first["min"],
             first["max"], first["n"]],
            ["whole reply (<= %d tokens), ms" % MAX_TOKENS, *_stats(totals)],
            ["model load, already in the store, ms", load_ms, "", "", 1]]
    for mode, outs in answers.items():
        correct = sum(o["correct"] for o in outs)
        by_code = sum(o["kind"] != "model" for o in outs)
        rows.append([f"correct replies, {mode}", f"{correct}/{n}", "", "",
                     f"{by_code} by code"])
    return Result(
        suite="assistant",
        columns=["measure", "median", "min", "max", "runs / note"],
        rows=rows,
        samples={"ttft_ms": ttft, "reply_ms": totals, "prompt_tokens": prompt_tokens,
                 "engine_prompt_ms_and_decode_tps": engine_stats,
                 "load_from_cache_ms": [load_ms],
                 **{f"answers ({mode})": outs for mode, outs in answers.items()}},
        environment={**environment(version), "backend": backend, "threads": threads},
        notes=[f"embedded SmolLM2-135M-Instruct Q4_1 on wllama ({backend}, {threads} threads), "
               f"greedy, max {MAX_TOKENS} tokens, no prompt cache",
               f"time to first token: {TTFT_QUESTION!r} about the {len(spec['todos'])}-item list "
               f"(median {_median(prompt_tokens)} prompt tokens)"],
    )


def _stats(values):
    s = summary(values)
    return [s["median"], s["min"], s["max"], s["n"]]


def _median(values):
    values = [v for v in values if v is not None]
    return summary(values)["median"] if values else None
