"""Assistant: does it understand the way people write, and how fast does it answer?

- Accuracy: every phrasing of tests/chat/questions.json (the `tests` part and the `heldout`
  part, which only this benchmark scores), each on a fresh copy of the fixed list, through the
  chat panel with the embedded model loaded. Correct = answered by whom it should be (code or
  model), the reply matches, and the list changed exactly as expected (every command applied
  exactly once, nothing else touched).
- End-to-end time of each reply through the panel (parse, list change stored in IndexedDB,
  reply rendered; model replies to their last token), medians for code and for the model.
- Time to first token of a model-answered question on turn 1 (the model freshly loaded, so
  nothing is in its KV cache) and of a follow-up on turn 2 about the same list, with the
  app's settings (prompt cache on). `runs` pairs.
- Find by meaning: the lexicon (app.todos.related) against SmolLM2's own embeddings (wllama
  `createEmbedding`, mean pooling, cosine similarity), top-1 on every "about" phrasing.
"""
import json
import os
import re
import tempfile
from pathlib import Path

from tools.bench.report import Result, Target, environment, summary

QUESTIONS = Path(__file__).resolve().parents[2] / "tests" / "chat" / "questions.json"
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


REPLY_TOKENS = 80          # the app's cap (app.chat.assistant.REPLY_TOKENS)
# In the accuracy part a model reply is graded on who answered and on the list staying as it
# was, not on its words: shorter replies keep the run short on a loaded 2-core machine.
ACCURACY_MODEL_TOKENS = int(os.environ.get("ASSISTANT_BENCH_ACCURACY_TOKENS", "16"))
TURN1 = "Can you cheer me on? I have a busy day."
TURN2 = "Tell me more about that."

HELPERS = """
import datetime, json
from app.compat import js
from app.engines.base import GenerationOptions
from app.ui.panels import mounted
spec = json.loads({spec!r})
chat, todos = mounted['chat'], mounted['todos'].todos
a = chat.assistant
a._today = lambda: datetime.date.fromisoformat(spec['today'])
a.options = GenerationOptions(max_tokens={max_tokens}, temperature=0)   # prompt cache: on

{snapshot}

async def reset():
    chat.log.replaceChildren()              # a fresh conversation, on screen too
    await todos.delete_many([t.id for t in todos.items])
    added = await todos.add_many([(t['title'], t['due']) for t in spec['todos']])
    for todo, t in zip(added, spec['todos']):
        if t['done']:
            await todos.set_done(todo.id)
    a.forget()

async def through_panel(text):
    start = js.performance.now()
    await chat._respond(a.respond(text))
    turn = a.turns[-1]
    return turn.kind, turn.reply, js.performance.now() - start

async def phrasing(q):
    await reset()
    for earlier in q.get('before', ()):
        await through_panel(earlier)
    before = snapshot(todos.items)
    kind, text, ms = await through_panel(q['q'])
    return dict(kind=kind, text=text, ms=ms, before=before, after=snapshot(todos.items))

async def first_token(text):
    start = js.performance.now()
    reply = await a.respond(text)
    first, parts = None, []
    async for delta in reply.stream():
        if first is None:
            first = js.performance.now() - start
        parts.append(delta)
    stats = a.engine.last_reply
    return dict(kind=reply.kind, text=''.join(parts), first_ms=first,
                total_ms=js.performance.now() - start, prompt_tokens=stats.prompt_tokens,
                engine_prompt_ms=stats.prompt_ms)
len(spec['todos'])
"""

LOAD = """
from app.compat import js
from app.ui.panels import load_embedded
start = js.performance.now()
engine = await load_embedded()
[js.performance.now() - start, engine.info().backend, engine.info().threads]
"""

EMBEDDINGS = """
import math
from app.compat import js, jsnull, to_js, to_js_object
from app.download.catalog import store_key
from app.engines.embedded import locate_embedded
from app.engines.jsmodules import WLLAMA_DIR, import_module, site_url
model, store = await locate_embedded()
blob = await store.read(store_key(model['id'], model['files'][0]['name']))
module = await import_module(WLLAMA_DIR + 'index.js')
w = module.Wllama.new(to_js_object({{'default': site_url(WLLAMA_DIR + 'wllama.wasm')}}),
                      to_js_object({{'suppressNativeLog': True, 'logger': module.LoggerWithoutDebug}}))
w.setCompat(jsnull)
await w.loadModel(to_js([blob]), to_js_object({{'n_ctx': 512, 'n_threads': 2, 'n_gpu_layers': 0,
                                               'embeddings': True, 'pooling_type': 'mean'}}))
async def embed(text):
    res = await w.createEmbedding(to_js_object({{'input': text}}))
    v = res.data[0].embedding.to_py()
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / n for x in v]
def unit(v):
    n = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / n for x in v]
def best(q, vecs):
    sims = [sum(x * y for x, y in zip(q, t)) for t in vecs]
    return titles[max(range(len(titles)), key=sims.__getitem__)]
titles = {titles!r}
title_vecs = [await embed(t) for t in titles]
# A small model's mean-pooled vectors share one dominant direction; centring on the titles'
# mean (the usual fix) is measured next to the raw cosine.
mean = [sum(col) / len(title_vecs) for col in zip(*title_vecs)]
centred = [unit([x - m for x, m in zip(t, mean)]) for t in title_vecs]
out = {{"raw": [], "centred": []}}
for topic in {topics!r}:
    q = await embed(topic)
    out["raw"].append(best(q, title_vecs))
    out["centred"].append(best(unit([x - m for x, m in zip(q, mean)]), centred))
await w.exit()
out
"""


# More topics for the lexicon-vs-embeddings comparison (measurement only; not in the tests).
EXTRA_PROBES = [("my health", "Book dentist appointment"), ("the landlord", "Pay rent"),
                ("groceries", "Buy milk"), ("work", "Email Bob about the report"),
                ("my bicycle", "Fix the bike"), ("laundry", "Pick up dry cleaning"),
                ("the garden", "Water the plants"), ("family", "Call mom"),
                ("a trip abroad", "Renew passport"), ("a leak", "Call the plumber"),
                ("bills", "Pay rent"), ("my dad's wife", "Call mom")]


def about_probes(spec):
    """[(topic, expected title)] for every phrasing that finds a to-do by what it is about,
    then EXTRA_PROBES."""
    import datetime

    from app.chat import intents
    from app.chat.resolve import ABOUT
    from app.chat.understand import parse
    today = datetime.date.fromisoformat(spec["today"])
    titles = [t["title"] for t in spec["todos"]]
    probes = []
    for _part, q in all_phrasings(spec):
        parsed = parse(q["q"], today)
        topic, expected = None, None
        if isinstance(parsed, intents.Ask) and parsed.topic == "about":
            topic = parsed.arg
            hits = [t for t in titles if all(re.search(p, t, re.I) for p in q.get("expect", ())[:1])]
            expected = hits[0] if len(hits) == 1 else None
        elif isinstance(parsed, intents.COMMANDS) and ABOUT.match(getattr(parsed, "query", "")):
            topic = ABOUT.match(parsed.query)["x"]
            arg = next(iter(q["change"].values()))
            expected = arg[0] if isinstance(arg, list) else arg
        if topic and expected:
            probes.append((topic, expected))
    return probes + EXTRA_PROBES


def lexicon_answers(spec, probes):
    from app.todos.model import make_todo
    from app.todos.related import about
    todos = [make_todo(t["title"]) for t in spec["todos"]]
    return [[t.title for t in about(todos, topic)] for topic, _ in probes]


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


PARTS = ("accuracy", "ttft", "embeddings")


def run(runs=5, json_path=None):
    """`ASSISTANT_BENCH_PARTS=accuracy,ttft,embeddings` (the default: all) picks the parts;
    with `--json` the file is rewritten after each part, so a long run keeps what it has."""
    import inspect

    from playwright.sync_api import sync_playwright

    from tools import site
    from tools.bench.report import write_json
    from tools.devserver import serve_in_thread

    parts = os.environ.get("ASSISTANT_BENCH_PARTS", ",".join(PARTS)).split(",")
    spec = load_questions()
    helpers = HELPERS.format(spec=json.dumps(spec), max_tokens=REPLY_TOKENS,
                             snapshot=inspect.getsource(snapshot))
    probes = about_probes(spec)
    server, base = serve_in_thread(site.SITE)
    got = {"answers": [], "pairs": [], "loads": [], "embedded": None, "probes": probes}

    def save():
        if json_path:
            write_json(_result(spec, **got), json_path)

    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx, page = open_app(p, profile, base)          # 1st browser: fills the store
            run_py(page, LOAD)
            got["version"] = ctx.browser.version if ctx.browser else "unknown"
            ctx.close()
            ctx, page = open_app(p, profile, base)          # 2nd browser: model cached
            try:
                load_ms, got["backend"], got["threads"] = run_py(page, LOAD)
                got["loads"].append(load_ms)
                print(f"  model loaded from the store in {load_ms:.0f} ms ({got['backend']}, "
                      f"{got['threads']} threads)", flush=True)
                run_py(page, helpers)
                if "accuracy" in parts:
                    run_py(page, f"a.options.max_tokens = {ACCURACY_MODEL_TOKENS}")
                    for n, (part, q) in enumerate(all_phrasings(spec), 1):
                        out = run_py(page, f"await phrasing({q!r})")
                        ok, why = grade(q, out["kind"], out["text"], out["before"], out["after"])
                        got["answers"].append({"part": part, "q": q["q"], "kind": out["kind"],
                                               "ms": out["ms"], "text": out["text"],
                                               "correct": ok, "why": why})
                        print(f"  {n:3} {part:7} {'ok ' if ok else 'BAD'} [{out['kind']}] "
                              f"{out['ms']:6.0f} ms {q['q']!r} -> {out['text'].strip()[:90]!r} {why}",
                              flush=True)
                    save()
                if "ttft" in parts:
                    run_py(page, f"a.options.max_tokens = {REPLY_TOKENS}")
                    for i in range(runs):
                        got["loads"].append(run_py(page, LOAD)[0])   # fresh load: empty KV cache
                        run_py(page, "await reset()")
                        one = run_py(page, f"await first_token({TURN1!r})")
                        two = run_py(page, f"await first_token({TURN2!r})")
                        got["pairs"].append([one, two])
                        print(f"  ttft run {i + 1}/{runs}: turn 1 {one['first_ms']:.0f} ms "
                              f"({one['prompt_tokens']} tokens evaluated), turn 2 "
                              f"{two['first_ms']:.0f} ms ({two['prompt_tokens']} tokens evaluated)",
                              flush=True)
                        save()
                if "embeddings" in parts:
                    titles = [t["title"] for t in spec["todos"]]
                    try:
                        got["embedded"] = run_py(page, EMBEDDINGS.format(
                            titles=titles, topics=[t for t, _ in probes]))
                    except Exception as exc:  # noqa: BLE001 - the other figures still count
                        print(f"  embeddings failed: {exc}", flush=True)
                    print(f"  find by meaning, embeddings: {got['embedded']}", flush=True)
            finally:
                ctx.close()
    finally:
        server.shutdown()
    return _result(spec, **got)


def _result(spec, answers, pairs, probes, embedded, loads, version="unknown", backend="",
            threads=0):
    rows, targets = [], []
    for part in ("tests", "heldout", None):
        outs = [a for a in answers if part is None or a["part"] == part]
        if not outs:
            continue
        correct = sum(a["correct"] for a in outs)
        rows.append([f"correct, {part or 'whole set'}", f"{correct}/{len(outs)}",
                     f"{100 * correct / len(outs):.1f} %", "",
                     f"{sum(a['kind'] == 'model' for a in outs)} by the model"])
    if answers:
        whole = sum(a["correct"] for a in answers) / len(answers)
        targets.append(Target("correct replies, whole set", round(100 * whole, 1), "%", ">= 95",
                              whole >= 0.95))
        code_ms = [a["ms"] for a in answers if a["kind"] in ("facts", "command")]
        model_ms = [a["ms"] for a in answers if a["kind"] == "model"]
        rows.append(["end-to-end, code-answered, ms", *_stats(code_ms)])
        rows.append([f"end-to-end, model-answered (<= {ACCURACY_MODEL_TOKENS} tokens, warm cache), ms",
                     *_stats(model_ms)])
        code_median = summary(code_ms)["median"]
        targets.append(Target("end-to-end code-answered median", round(code_median), "ms",
                              "< 300", code_median < 300))
    if pairs:
        t1 = [one["first_ms"] for one, _ in pairs]
        t2 = [two["first_ms"] for _, two in pairs]
        rows.append(["time to first token, turn 1 (empty KV cache), ms", *_stats(t1)])
        rows.append(["time to first token, turn 2 (same list), ms", *_stats(t2)])
        ratio = summary(t2)["median"] / summary(t1)["median"]
        rows.append(["turn 2 / turn 1", f"{ratio:.2f}x", "", "", "medians"])
        whole = [one["total_ms"] for one, _ in pairs] + [two["total_ms"] for _, two in pairs]
        rows.append([f"end-to-end, model-answered (<= {REPLY_TOKENS} tokens, turns 1 and 2), ms",
                     *_stats(whole)])
        targets.append(Target("ttft turn 2 / turn 1", round(ratio, 2), "x", "<= 0.3", ratio <= 0.3))
    rows.append(["model load, already in the store, ms", *_stats(loads)])
    lexicon = lexicon_answers(spec, probes)
    lex_ok = sum(found == [want] for found, (_, want) in zip(lexicon, probes))
    rows.append(["find by meaning, lexicon (top-1, alone)", f"{lex_ok}/{len(probes)}", "", "", ""])
    for way, found in (embedded or {}).items():
        ok = sum(got == want for got, (_, want) in zip(found, probes))
        rows.append([f"find by meaning, embeddings (top-1 cosine, {way})", f"{ok}/{len(probes)}",
                     "", "", ""])
    return Result(
        suite="assistant",
        columns=["measure", "median", "min", "max", "runs / note"],
        rows=rows, targets=targets,
        samples={"answers": answers, "ttft_pairs": pairs, "load_ms": loads,
                 "about_probes": [{"topic": t, "expected": e, "lexicon": lx,
                                   "embeddings": {way: found[i] for way, found
                                                  in (embedded or {}).items()}}
                                  for i, ((t, e), lx) in enumerate(zip(probes, lexicon))]},
        environment={**environment(version), "backend": backend, "threads": threads,
                     "load_average": os.getloadavg()},
        notes=[f"embedded SmolLM2-135M-Instruct Q4_1 on wllama ({backend}, {threads} threads), "
               f"greedy, prompt cache on (the app's setting); max {REPLY_TOKENS} tokens "
               f"(first-token runs), {ACCURACY_MODEL_TOKENS} in the accuracy part",
               f"turn 1: {TURN1!r} right after a fresh model load; turn 2: {TURN2!r}",
               f"load average at the end: {os.getloadavg()}"],
    )


def _stats(values):
    s = summary(values)
    return [s["median"], s["min"], s["max"], s["n"]]
