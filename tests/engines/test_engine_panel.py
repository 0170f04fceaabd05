"""The models panel's engine section (rendered at boot): the load action, what it shows."""
import pytest

from tests.conftest import run_py

pytestmark = pytest.mark.browser


def test_panel_loads_the_embedded_model_and_shows_backend_and_threads(embedded_page):
    page = embedded_page
    section = page.get_by_role("region", name="Engine")
    assert "none" in section.inner_text()
    section.get_by_role("button", name="Load embedded model").click()
    section.get_by_role("status").filter(has_text="is ready").wait_for(timeout=120_000)
    text = section.inner_text()
    assert "wllama" in text and "smollm2-135m-instruct-q4_1" in text
    assert "WebAssembly (CPU)" in text
    threads = section.locator("dt:text-is('Threads') + dd").inner_text()
    assert int(threads) >= 2
    runs_on = section.locator("dt:text-is('Runs on') + dd").inner_text()
    assert "without shader-f16" in runs_on and f"{threads} threads" in runs_on  # and why
    assert section.get_by_role("progressbar").count() == 0   # hidden again when done
    assert section.get_by_role("button", name="Load embedded model").count() == 0   # it is loaded
    run_py(page, "from app.engines.active import active; await active.unload()")
    assert "Backend" not in section.inner_text()
    assert section.get_by_role("button", name="Load embedded model").is_visible()


def test_panel_shows_a_load_failure_and_stays_usable(embedded_page):
    page = embedded_page
    # Not in any store, and the bundled copy cannot be read: a clear message, no crash.
    run_py(page, "await store.delete(f'{model[\"id\"]}/{model[\"files\"][0][\"name\"]}')")
    page.route("**/*.gguf", lambda route: route.fulfill(status=404, body="gone"))
    section = page.get_by_role("region", name="Engine")
    section.get_by_role("button", name="Load embedded model").click()
    section.get_by_role("alert").filter(has_text="bundled model file").wait_for(timeout=30_000)
    assert section.get_by_role("button", name="Load embedded model").is_enabled()
    partials = run_py(page, "[p.key for p in await store.partials()]")
    assert not any(k.endswith(".gguf") for k in run_py(page, "[e.key for e in await store.list()]"))
    assert partials == [] or all(k.endswith(".gguf") for k in partials)
