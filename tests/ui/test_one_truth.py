"""Every panel tells the same story about the models (app/models_state.py): the storage list,
the downloads section, the engine section and the chat banner, after "Load the built-in model",
a delete, an unload, and the same done in another tab of the same browser, with no reload.
(A download's progress in every panel and across tabs: tests/download/test_downloads_panel.py.)"""
import pytest
from playwright.sync_api import expect

from tests.conftest import RequestGuard, wait_for_boot
from tests.ui.checks import python_errors

pytestmark = pytest.mark.browser

MODEL = "SmolLM2 135M Instruct (Q4_1, embedded)"
KEY = "smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
SIZE = "93.8 MiB"                      # 98,362,432 bytes as the storage panel writes it
LOAD_MS = 300_000                     # copy 94 MiB into OPFS and start wllama, on a busy machine
UPDATE_MS = 30_000


@pytest.fixture
def tabs(browser, server):
    """open() -> a booted app tab; every tab shares one browser context (one origin's storage)."""
    guard = RequestGuard()
    context = browser.new_context(service_workers="block")
    guard.attach(context)
    pages = []

    def open_tab():
        page = context.new_page()
        page.goto(server + "/")
        assert wait_for_boot(page) == "ready", page.inner_text("body")
        pages.append(page)
        return page
    yield open_tab
    errors = [e for p in pages for e in python_errors(p)]
    context.close()
    assert not errors, errors
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"


class Panels:
    """The four places that speak about the model, found as a user finds them."""

    def __init__(self, page):
        models = page.get_by_role("region", name="Models & storage")
        self.opfs = models.get_by_role("list", name="Models in OPFS")
        self.stored = self.opfs.get_by_role("listitem").filter(has_text=KEY)
        self.download = (models.get_by_role("list", name="Downloadable models")
                         .get_by_role("listitem").filter(has_text=MODEL).get_by_role("status"))
        self.engine = page.get_by_role("region", name="Engine")
        self.engine_status = self.engine.get_by_role("status")
        self.engine_source = self.engine.locator("dt:text-is('Stored in') + dd")
        self.chat = page.locator(".chat-status")
        self.delete = models.get_by_role("button", name=f"Delete {KEY} from OPFS")

    def expect_stored(self):
        expect(self.stored).to_contain_text(SIZE, timeout=UPDATE_MS)
        expect(self.download).to_contain_text("OPFS and verified", timeout=UPDATE_MS)

    def expect_in_use(self):
        """Stored, and loaded in this tab's engine: the downloads row says so, no "Use"."""
        expect(self.stored).to_contain_text(SIZE, timeout=UPDATE_MS)
        expect(self.download).to_have_text(f"In use: the assistant answers with {MODEL}.",
                                           timeout=UPDATE_MS)

    def expect_not_stored(self):
        expect(self.opfs).to_contain_text("No models stored here.", timeout=UPDATE_MS)
        expect(self.stored).to_have_count(0)
        expect(self.download).to_have_text("Not downloaded to OPFS.", timeout=UPDATE_MS)

    def expect_loaded(self):
        expect(self.chat).to_contain_text("Model: ", timeout=LOAD_MS)
        expect(self.engine_status).to_have_text(f"{MODEL} is ready.", timeout=UPDATE_MS)
        expect(self.engine.locator("dt:text-is('Engine') + dd")).to_have_text("wllama")

    def expect_nothing_loaded(self):
        expect(self.chat).to_contain_text("No model loaded.", timeout=UPDATE_MS)
        expect(self.engine_status).to_have_text("No model loaded.", timeout=UPDATE_MS)
        expect(self.engine.locator("dt:text-is('Engine') + dd")).to_have_text("none")


def test_after_loading_the_built_in_model_every_panel_agrees_through_delete_and_unload(tabs):
    page = tabs()
    ui = Panels(page)
    ui.expect_not_stored()
    ui.expect_nothing_loaded()

    page.get_by_role("button", name="Load the built-in model").click()
    ui.expect_loaded()
    ui.expect_in_use()
    expect(ui.stored).to_contain_text("loaded in the engine")
    expect(ui.engine_source).to_have_text("OPFS")

    ui.delete.click()                 # the model stays loaded (in memory), no longer stored
    ui.expect_not_stored()
    expect(ui.engine_source).to_contain_text("deleted there since")
    expect(ui.engine_status).to_have_text(f"{MODEL} is ready.")
    expect(ui.chat).to_contain_text("Model: ")

    ui.engine.get_by_role("button", name="Unload the model").click()
    ui.expect_nothing_loaded()
    expect(page.get_by_role("button", name="Load the built-in model")).to_be_visible()


def test_a_copy_and_a_delete_in_another_tab_show_here_without_a_reload(tabs):
    first, second = tabs(), tabs()
    here, there = Panels(first), Panels(second)
    here.expect_not_stored()

    second.get_by_role("button", name="Load the built-in model").click()   # copies, then loads
    there.expect_loaded()
    here.expect_stored()              # the copy made there is listed here
    here.expect_nothing_loaded()      # each tab has its own engine: nothing loaded here
    expect(here.stored).not_to_contain_text("loaded in the engine")

    there.delete.click()
    here.expect_not_stored()
    there.expect_not_stored()
    expect(there.engine_source).to_contain_text("deleted there since")

    # And the other way round: a delete here is seen there (the copy comes back with a load).
    second.get_by_role("button", name="Unload the model").click()
    there.expect_nothing_loaded()
    first.get_by_role("button", name="Load the built-in model").click()
    here.expect_loaded()
    here.expect_in_use()
    there.expect_stored()             # stored, but not in that tab's engine: "Use" is offered
    here.delete.click()
    there.expect_not_stored()


def test_a_failed_load_is_told_by_the_chat_and_the_engine_section_alike(tabs):
    page = tabs()
    page.route("**/*.gguf", lambda route: route.fulfill(status=404, body="gone"))
    ui = Panels(page)
    ui.engine.get_by_role("button", name="Load embedded model").click()
    expect(ui.engine.get_by_role("alert")).to_contain_text("bundled model file", timeout=UPDATE_MS)
    expect(ui.chat).to_contain_text("The model could not be loaded: ")
    expect(ui.chat).to_contain_text("bundled model file")
    expect(ui.engine_status).to_have_text("No model loaded.")
    expect(page.get_by_role("button", name="Load the built-in model")).to_be_enabled()
    expect(ui.download).to_contain_text("Download failed: ", timeout=UPDATE_MS)   # the copy
    expect(ui.download).to_contain_text("HTTP 404")
    expect(ui.stored).to_have_count(0)    # nothing half-copied is listed as the model
