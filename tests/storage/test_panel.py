"""The Models & storage panel: stored models per store with sizes, delete (usage drops),
persistent storage asked on the first save (granted and denied), usage and quota."""
import re

import pytest

from tests.conftest import run_py

pytestmark = pytest.mark.browser

SAVE = """
import js
from app.storage.registry import get_store
from app.ui import storage_panel
for kind in KINDS:
    store = get_store(kind)
    src = js.storageTest.source(SIZE)
    async def chunks():
        while (c := await src.next()) is not None:
            yield c
    await store.write(f"panel/{kind}.bin", chunks(), SIZE)
await storage_panel.current.refresh()
"""


def save(page, kinds, size):
    run_py(page, f"KINDS = {list(kinds)!r}\nSIZE = {size}\n" + SAVE)


def used_mib(page):
    text = page.get_by_role("status").filter(has_text="Storage used").inner_text()
    number, unit = re.search(r"Storage used: ([\d.,]+) (\w+)", text).groups()
    return float(number.replace(",", "")) * {"bytes": 1 / 2**20, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


def test_lists_models_per_store_and_delete_drops_usage(clean):
    save(clean, ("opfs", "idb"), 24 << 20)
    panel = clean.get_by_role("region", name="Models & storage")
    opfs = panel.get_by_role("list", name="Models in OPFS")
    assert opfs.get_by_role("listitem").filter(has_text="panel/opfs.bin").inner_text().count("24.0 MiB")
    assert panel.get_by_role("list", name="Models in IndexedDB").get_by_text("panel/idb.bin").is_visible()
    assert panel.get_by_role("list", name="Models in Cache API").get_by_text("No models stored here.").is_visible()
    assert re.search(r"of [\d.,]+ GiB", panel.get_by_text("Storage used:").inner_text())
    before = used_mib(clean)
    panel.get_by_role("button", name="Delete panel/opfs.bin from OPFS").click()
    opfs.get_by_text("panel/opfs.bin").wait_for(state="detached", timeout=30_000)
    clean.wait_for_selector("[data-feature=storage][data-state=ready]", state="attached")
    assert used_mib(clean) <= before - 23, (before, used_mib(clean))
    assert run_py(clean, "from app.storage import get_store\n[e.key for e in await get_store('opfs').list()]") == []


def test_default_store_setting(clean):
    panel = clean.get_by_role("region", name="Models & storage")
    panel.get_by_label("Save new models in").select_option("cache")
    clean.wait_for_function("() => document.querySelector('[data-feature=storage]').dataset.state === 'ready'")
    assert run_py(clean, "from app.storage.registry import default_kind\nawait default_kind()") == "cache"
    run_py(clean, "from app.storage.registry import set_default_kind\nawait set_default_kind('opfs')")


def test_persist_denied_is_shown(clean):
    # Headless Chromium answers persist() with false unless the permission is granted.
    save(clean, ("cache",), 1 << 20)
    status = clean.get_by_text(re.compile("Persistent storage:"))
    assert "denied" in status.inner_text()
    assert clean.get_by_role("button", name="Request persistent storage").is_visible()


def test_persist_granted_on_first_save(profile):
    page = profile.launch()
    origin = page.evaluate("location.origin")
    cdp = page.context.browser.new_browser_cdp_session()
    cdp.send("Browser.grantPermissions", {"origin": origin, "permissions": ["durableStorage"]})
    assert "not requested yet" in page.get_by_text(re.compile("Persistent storage:")).inner_text()
    save(page, ("idb",), 1 << 20)
    assert "granted" in page.get_by_text(re.compile("Persistent storage:")).inner_text()
    assert run_py(page, "from app.storage import quota\nawait quota.persisted()") is True
    assert not page.get_by_role("button", name="Request persistent storage").is_visible()
