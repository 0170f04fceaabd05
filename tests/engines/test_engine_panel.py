"""The models panel's engine section: the load action, and what it shows afterwards."""
import pytest

from tests.conftest import run_py

pytestmark = pytest.mark.browser


def test_panel_loads_the_embedded_model_and_shows_backend_and_threads(embedded_page):
    page = embedded_page
    run_py(page, """
from app.engines.active import ActiveEngine
from app.ui.engine_panel import render_engine_panel
panel_active = ActiveEngine()
async def locate():
    return model, store
panel = render_engine_panel(panel_active, locate)
""")
    section = page.get_by_role("region", name="Engine")
    assert "none" in section.inner_text()
    section.get_by_role("button", name="Load embedded model").click()
    status = section.get_by_role("status")
    status.filter(has_text="is ready").wait_for(timeout=120_000)
    text = section.inner_text()
    assert "wllama" in text and "smollm2-135m-instruct-q4_1" in text
    assert "WebAssembly (CPU)" in text
    threads = section.locator("dt:text-is('Threads') + dd").inner_text()
    assert int(threads) >= 2
    assert "shader-f16" in text          # says why it is not on the GPU
    assert section.get_by_role("progressbar").count() == 0   # hidden again when done
    run_py(page, "await panel_active.unload()")
    assert "Backend" not in section.inner_text()


def test_panel_shows_a_load_failure_and_stays_usable(embedded_page):
    page = embedded_page
    run_py(page, """
from app.engines.base import EngineError
async def missing():
    raise EngineError("the embedded model is not stored yet")
panel.locate_embedded = missing
""")
    section = page.get_by_role("region", name="Engine")
    section.get_by_role("button", name="Load embedded model").click()
    alert = section.get_by_role("alert")
    alert.filter(has_text="not stored yet").wait_for(timeout=30_000)
    assert section.get_by_role("button", name="Load embedded model").is_enabled()
