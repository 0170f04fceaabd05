"""app.storage.kv in real Chromium: values round-trip, and a JS null stored by other code
(Pyodide reads it as `jsnull`, not None) reads as None instead of breaking the bucket."""
import pytest

from tests.conftest import run_py

pytestmark = pytest.mark.browser


def test_values_and_stored_nulls_read_back(storage_page):
    got = run_py(storage_page, """
from app.compat import jsnull
from app.storage import kv
bucket = kv.Bucket("kv-null-test")
await bucket.set("plain", {"title": "buy milk", "n": [1, 2]})
await bucket.set("null", jsnull)                 # what plain JS code may have put there
out = [await bucket.get("plain"), await bucket.get("null", "default"),
       await bucket.get_many(["plain", "null", "absent"]), await bucket.items()]
await bucket.clear()
out
""")
    plain, null, many, items = got
    assert plain == {"title": "buy milk", "n": [1, 2]}
    assert null == "default"
    assert many == [plain, None, None]
    assert sorted(items) == [["null", None], ["plain", plain]]
