"""The Models panel's download section, driven like a user: pick a store, download, watch the
progress text, cancel, resume, and find the model stored after a reload."""
import json

import pytest

from tests.conftest import wait_for_boot
from tests.download.conftest import MiB, SIZE
from tests.download.test_fetch_faults import CHUNK, PARALLEL, wait_until

pytestmark = pytest.mark.browser

NAME = "Test model 20 MiB"


def panel_catalog(files):
    return {"format": 1, "default": "panel-test", "models": [{
        "id": "panel-test", "name": NAME, "engine": "wllama",
        "files": [{"name": "f20.bin", "url": "files/f20.bin", "size": SIZE,
                   "sha256": files[1]["f20.bin"][1]}]}]}


def open_panel(context, fault, files):
    page = context.new_page()
    page.route("**/models/catalog.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(panel_catalog(files))))
    page.goto(fault.base + "/")
    assert wait_for_boot(page) == "ready"
    return page.get_by_role("region", name="Models & storage"), page


def test_download_cancel_resume_and_stored_after_reload(dl_context, fault, files):
    panel, page = open_panel(dl_context, fault, files)
    try:
        assert panel.get_by_role("heading", name="Download models").is_visible()
        panel.get_by_label("Store for downloads").select_option("idb")
        row = panel.get_by_role("listitem").filter(has_text=NAME)
        status = row.get_by_role("status")
        wait_until(page, lambda: "Not downloaded to IndexedDB" in status.inner_text())

        fault.reset(bandwidth=1 * MiB)
        row.get_by_role("button", name=f"Download {NAME}").click()
        bar = row.get_by_role("progressbar", name=f"Download progress of {NAME}")
        wait_until(page, lambda: "MiB/s" in status.inner_text() and "left" in status.inner_text())
        assert bar.is_visible()
        assert " of 20.0 MiB" in status.inner_text()
        wait_until(page, lambda: fault.stats.bytes_sent > 3 * MiB)
        row.get_by_role("button", name=f"Cancel download of {NAME}").click()
        resume = row.get_by_role("button", name=f"Resume download of {NAME}")
        resume.wait_for(timeout=10_000)
        assert "paused" in status.inner_text()
        sent = fault.stats.bytes_sent

        fault.reset()
        resume.click()
        wait_until(page, lambda: "verified" in status.inner_text())
        assert "Downloaded to IndexedDB and verified" in status.inner_text()
        assert not bar.is_visible()           # a bar only while it downloads
        # A stored model can be chosen for the assistant; this one is random bytes, so the
        # engine refuses it and the row says so, offering to try again.
        row.get_by_role("button", name=f"Use {NAME}").click()
        wait_until(page, lambda: "Could not load the model" in status.inner_text())
        assert row.get_by_role("button", name=f"Use {NAME}").is_visible()
        assert sent + fault.stats.bytes_sent - SIZE <= PARALLEL * CHUNK

        page.reload()
        assert wait_for_boot(page) == "ready"
        panel.get_by_label("Store for downloads").wait_for()
        assert panel.get_by_label("Store for downloads").input_value() == "idb"   # remembered
        wait_until(page, lambda: "Stored in IndexedDB and verified" in
                   panel.get_by_role("listitem").filter(has_text=NAME).get_by_role("status").inner_text())
    finally:
        page.close()


def test_a_broken_catalog_is_a_message_not_a_crash(dl_context, fault):
    page = dl_context.new_page()
    try:
        page.route("**/models/catalog.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body='{"format": 1, "models": [{"id": ""}]}'))
        page.goto(fault.base + "/")
        assert wait_for_boot(page) == "ready"
        panel = page.get_by_role("region", name="Models & storage")
        wait_until(page, lambda: "could not be loaded" in panel.inner_text())
    finally:
        page.close()


def test_a_model_the_converter_makes_is_offered_only_where_it_is_built(dl_context, fault, files):
    catalog = panel_catalog(files)
    catalog["models"].append({
        "id": "not-built", "name": "Converted model", "engine": "mediapipe",
        "build": {"command": "python3 build.py convert some-model --to mediapipe"},
        "files": [{"name": "m.task", "url": "models/not-built/00000000/m.task", "size": 10,
                   "sha256": "ab" * 32}]})
    present = dict(catalog["models"][0], id="built-here", name="Built model",
                   build={"command": "python3 build.py convert x --to mediapipe"})
    catalog["models"].append(present)       # its file is served (and, unlike panel-test's, not stored)
    page = dl_context.new_page()
    try:
        page.route("**/models/catalog.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(catalog)))
        page.goto(fault.base + "/")
        assert wait_for_boot(page) == "ready"
        panel = page.get_by_role("region", name="Models & storage")
        missing = panel.get_by_role("listitem").filter(has_text="Converted model")
        wait_until(page, lambda: "Not built on this server" in missing.get_by_role("status").inner_text())
        assert "python3 build.py convert some-model --to mediapipe" in missing.inner_text()
        assert missing.get_by_role("button").count() == 0
        present = panel.get_by_role("listitem").filter(has_text="Built model")
        wait_until(page, lambda: "Not downloaded" in present.get_by_role("status").inner_text())
        assert present.get_by_role("button", name="Download Built model").is_visible()
    finally:
        page.close()


def test_a_downloads_progress_pause_and_end_show_in_every_panel_and_tab(dl_context, fault, files):
    """One download, seen from the tab that runs it and from another one: the downloads row,
    the storage list (in flight, then incomplete once paused, then stored with its size)."""
    from playwright.sync_api import expect
    key = "panel-test/f20.bin"
    panel, page = open_panel(dl_context, fault, files)
    other_panel = other = None
    try:
        panel.get_by_label("Store for downloads").select_option("opfs")
        other_panel, other = open_panel(dl_context, fault, files)
        rows = [p.get_by_role("list", name="Downloadable models").get_by_role("listitem")
                .filter(has_text=NAME) for p in (panel, other_panel)]
        status, other_status = (r.get_by_role("status") for r in rows)
        stored, other_stored = (p.get_by_role("list", name="Models in OPFS")
                                for p in (panel, other_panel))
        expect(other_status).to_have_text("Not downloaded to OPFS.", timeout=30_000)

        fault.reset(bandwidth=1 * MiB)
        rows[0].get_by_role("button", name=f"Download {NAME}").click()
        expect(stored).to_contain_text("panel-test downloading: ", timeout=30_000)
        expect(other_status).to_contain_text("(in another tab)", timeout=30_000)
        expect(other_stored).to_contain_text("panel-test downloading in another tab", timeout=30_000)
        wait_until(page, lambda: fault.stats.bytes_sent > 3 * MiB)
        rows[0].get_by_role("button", name=f"Cancel download of {NAME}").click()
        for p in (panel, other_panel):       # paused: incomplete in the store, in both tabs
            expect(p.get_by_role("list", name="Incomplete downloads in OPFS")).to_contain_text(
                key, timeout=30_000)
        expect(other_status).to_contain_text("paused, resume to continue", timeout=30_000)
        expect(rows[1].get_by_role("button", name=f"Resume download of {NAME}")).to_be_visible()

        fault.reset()
        rows[0].get_by_role("button", name=f"Resume download of {NAME}").click()
        expect(status).to_contain_text("Downloaded to OPFS and verified", timeout=60_000)
        for s in (stored, other_stored):
            expect(s.get_by_role("listitem").filter(has_text=key)).to_contain_text(
                "20.0 MiB", timeout=30_000)
        expect(other_status).to_contain_text("OPFS and verified", timeout=30_000)
        expect(other_panel.get_by_role("list", name="Incomplete downloads in OPFS")).to_have_count(0)

        other_panel.get_by_role("button", name=f"Delete {key} from OPFS").click()
        expect(status).to_have_text("Not downloaded to OPFS.", timeout=30_000)
        expect(stored.get_by_role("listitem").filter(has_text=key)).to_have_count(0)
    finally:
        page.close()
        if other is not None:
            other.close()


def test_a_tab_closed_mid_download_is_shown_paused_in_the_other(dl_context, fault, files):
    """A closed tab sends no last word; the other tab sees its lock gone and shows what it
    left: a paused, resumable download (resumed there, it completes)."""
    from playwright.sync_api import expect
    panel, page = open_panel(dl_context, fault, files)
    other = None
    try:
        panel.get_by_label("Store for downloads").select_option("cache")
        other_panel, other = open_panel(dl_context, fault, files)
        row = (other_panel.get_by_role("list", name="Downloadable models")
               .get_by_role("listitem").filter(has_text=NAME))
        status = row.get_by_role("status")
        expect(status).to_have_text("Not downloaded to Cache API.", timeout=30_000)
        fault.reset(bandwidth=1 * MiB)
        panel.get_by_role("button", name=f"Download {NAME}").click()
        expect(status).to_contain_text("(in another tab)", timeout=30_000)
        wait_until(other, lambda: fault.stats.bytes_sent > 3 * MiB)
        page.close()
        expect(status).to_contain_text("paused, resume to continue", timeout=60_000)
        fault.reset()
        row.get_by_role("button", name=f"Resume download of {NAME}").click()
        expect(status).to_contain_text("Downloaded to Cache API and verified", timeout=60_000)
        other_panel.get_by_role("button", name="Delete panel-test/f20.bin from Cache API").click()
        expect(status).to_have_text("Not downloaded to Cache API.", timeout=30_000)
    finally:
        if not page.is_closed():
            page.close()
        if other is not None:
            other.close()
