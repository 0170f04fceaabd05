# PyScript entry point of bench.html: the page lives in app.ui.bench_page.
from app.ui.bench_page import start

await start()  # noqa: F704 - top-level await is allowed in PyScript scripts
