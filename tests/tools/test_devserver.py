"""The dev server over real HTTP: ranges, HEAD, 416, caching, isolation headers, MIME types."""
import http.client
from urllib.parse import urlsplit

import pytest

from tools.devserver import IMMUTABLE, cache_control, parse_range
from tools.vendor import embedded_models

MODEL_URL = "/" + embedded_models()[0]["files"][0]["url"]
MODEL_SIZE = embedded_models()[0]["files"][0]["size"]


def request(server, method, path, headers=None):
    parts = urlsplit(server)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_full_get_of_model_has_length_and_accepts_ranges(server):
    resp, _ = request(server, "HEAD", MODEL_URL)
    assert resp.status == 200
    assert int(resp.getheader("Content-Length")) == MODEL_SIZE
    assert resp.getheader("Accept-Ranges") == "bytes"
    assert resp.getheader("ETag")
    assert resp.getheader("Cache-Control") == IMMUTABLE


def test_head_sends_no_body(server):
    resp, body = request(server, "HEAD", "/index.html")
    assert resp.status == 200 and body == b""
    assert int(resp.getheader("Content-Length")) > 0


def test_byte_range_gives_206_with_content_range(server):
    resp, body = request(server, "GET", MODEL_URL, {"Range": "bytes=0-3"})
    assert resp.status == 206
    assert resp.getheader("Content-Range") == f"bytes 0-3/{MODEL_SIZE}"
    assert resp.getheader("Content-Length") == "4"
    assert body == b"GGUF"


def test_open_and_suffix_ranges(server):
    resp, body = request(server, "GET", MODEL_URL, {"Range": "bytes=-10"})
    assert resp.status == 206 and len(body) == 10
    assert resp.getheader("Content-Range") == f"bytes {MODEL_SIZE - 10}-{MODEL_SIZE - 1}/{MODEL_SIZE}"
    resp, body = request(server, "GET", MODEL_URL, {"Range": f"bytes={MODEL_SIZE - 5}-"})
    assert resp.status == 206 and len(body) == 5


def test_unsatisfiable_range_gives_416(server):
    resp, _ = request(server, "GET", MODEL_URL, {"Range": f"bytes={MODEL_SIZE}-"})
    assert resp.status == 416
    assert resp.getheader("Content-Range") == f"bytes */{MODEL_SIZE}"


def test_if_range_with_stale_etag_sends_whole_file(server):
    resp, _ = request(server, "HEAD", MODEL_URL, {"Range": "bytes=0-3", "If-Range": '"stale"'})
    assert resp.status == 200
    assert int(resp.getheader("Content-Length")) == MODEL_SIZE


def test_etag_revalidation_gives_304(server):
    resp, _ = request(server, "GET", "/index.html")
    etag = resp.getheader("ETag")
    resp, body = request(server, "GET", "/index.html", {"If-None-Match": etag})
    assert resp.status == 304 and body == b""


@pytest.mark.parametrize("path, policy", [
    ("/index.html", "no-cache"),
    ("/", "no-cache"),
    ("/wasm/pyodide@314.0.7/pyodide.asm.wasm", IMMUTABLE),
    ("/wasm/pyscript@0.7.31/core.js", IMMUTABLE),
    (MODEL_URL, IMMUTABLE),
    ("/models/catalog.json", "no-cache"),
])
def test_cache_control_policy(server, path, policy):
    resp, _ = request(server, "HEAD", path)
    assert resp.status == 200
    assert resp.getheader("Cache-Control") == policy


def test_service_worker_path_is_never_cached_long():
    assert cache_control("/sw.js") == "no-cache"


@pytest.mark.parametrize("path, mime", [
    ("/wasm/pyodide@314.0.7/pyodide.mjs", "text/javascript"),
    ("/wasm/pyodide@314.0.7/pyodide.asm.wasm", "application/wasm"),
    ("/index.html", "text/html"),
    ("/pyscript.json", "application/json"),
])
def test_mime_types(server, path, mime):
    resp, _ = request(server, "HEAD", path)
    assert resp.getheader("Content-Type").split(";")[0] == mime


def test_isolation_and_csp_headers_on_every_response(server):
    for path in ("/", MODEL_URL, "/missing"):
        resp, _ = request(server, "HEAD", path)
        assert resp.getheader("Cross-Origin-Opener-Policy") == "same-origin"
        assert resp.getheader("Cross-Origin-Embedder-Policy") == "require-corp"
        csp = resp.getheader("Content-Security-Policy")
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert "'wasm-unsafe-eval'" in csp
        assert "default-src 'self'" in csp


def test_missing_files_and_traversal_are_404(server):
    assert request(server, "GET", "/nope.js")[0].status == 404
    assert request(server, "GET", "/../build.py")[0].status == 404
    assert request(server, "GET", "/wasm/../../build.py")[0].status == 404
    # The integrity marker next to the model is not part of the site.
    assert request(server, "GET", MODEL_URL + ".sha256")[0].status == 404


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-9", (0, 9)), ("bytes=5-", (5, 99)), ("bytes=-5", (95, 99)),
    ("bytes=0-999", (0, 99)), ("bytes=100-", "unsatisfiable"), ("bytes=-0", "unsatisfiable"),
    ("bytes=5-2", None), ("bytes=0-1,5-6", None), ("items=0-1", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected
