"""The embedded model found in a store is checked against its chunk manifest before a load:
a corrupt stored chunk is fetched again from our origin, not a reason to fail the model."""
import pytest

from tests.conftest import run_py
from tests.download.page_helpers import __file__ as HELPERS

pytestmark = pytest.mark.browser


def test_a_corrupt_chunk_of_the_stored_embedded_model_is_repaired_before_the_load(embedded_page):
    run_py(embedded_page, open(HELPERS).read())
    key = "smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
    expected = run_py(embedded_page, "model['files'][0]['sha256']")
    run_py(embedded_page, f"await corrupt_opfs({key!r}, {(13 << 20) + 5}, complete=True)")
    assert run_py(embedded_page, f"await stored_sha256(store, {key!r})") != expected
    found = run_py(embedded_page, """
progress = []
model, store = await locate_embedded(lambda f, text: progress.append(text), stores=[store])
[store.kind, sorted(set(progress))]
""")
    assert found[0] == "opfs" and "Checking the model in OPFS" in found[1]
    assert run_py(embedded_page, f"await stored_sha256(store, {key!r})") == expected
