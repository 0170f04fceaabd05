"""The dev server: static files with byte ranges, cache policy and cross-origin isolation.

Tests reuse SiteHandler (and subclass it to inject faults), so everything about how one
file is answered lives in `send_file`.
"""
import email.utils
import mimetypes
import os
import re
import socket
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MIME = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm", ".py": "text/x-python; charset=utf-8",
    ".zip": "application/zip", ".whl": "application/zip", ".svg": "image/svg+xml",
    ".png": "image/png", ".ico": "image/x-icon", ".gguf": "application/octet-stream",
    ".bin": "application/octet-stream", ".txt": "text/plain; charset=utf-8",
}

# As strict as Pyodide allows: no inline script anywhere. 'unsafe-eval' cannot go: Pyodide's
# Emscripten loader builds its EM_ASM/EM_JS glue with eval() when the module is instantiated
# (and PyScript's hooks use Function()). 'wasm-unsafe-eval' lets the runtimes compile wasm.
# Workers come from our origin or from blob: URLs (wllama and MediaPipe build theirs that way).
CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "connect-src 'self' blob: data:",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

IMMUTABLE = "public, max-age=31536000, immutable"
# A path is content-versioned when a segment carries a version (pyodide@314.0.7), a hash
# (models/<id>/b179c952/...), or a hashed file name (app-<hash>.zip).
VERSIONED = re.compile(r"(^|/)([^/]*@\d[^/]*|[0-9a-f]{8,}|[^/]+-[0-9a-f]{12}\.[a-z]+)(/|$)")
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 1 << 20


def cache_control(url_path):
    return IMMUTABLE if VERSIONED.search(url_path) else "no-cache"


def parse_range(header, size):
    """(start, end) inclusive; None to ignore the header (send 200); "unsatisfiable" for 416."""
    m = RANGE.match(header.strip().replace(" ", ""))
    if not m or (not m.group(1) and not m.group(2)):
        return None                     # malformed or multi-range: RFC 9110 allows a plain 200
    first, last = m.group(1), m.group(2)
    if not first:                       # suffix range: the last N bytes
        n = int(last)
        return (max(0, size - n), size - 1) if n and size else "unsatisfiable"
    start = int(first)
    if last and int(last) < start:
        return None                     # invalid range-spec: ignored, not unsatisfiable
    if start >= size:
        return "unsatisfiable"
    return start, min(int(last), size - 1) if last else size - 1


class SiteHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    quiet = True

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)

    def end_headers(self):
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self):
        self.send_file(head=False)

    def do_HEAD(self):
        self.send_file(head=True)

    def allowed_roots(self):
        """The site folder and the targets of its top-level symlinks (wasm/, models/)."""
        site = Path(self.directory)
        return [site.resolve(), *(p.resolve() for p in site.iterdir() if p.is_symlink())]

    def resolve(self):
        """Map the URL to a file inside the site (or a folder it links to); None if not."""
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        local = Path(self.translate_path(url_path))
        if local.is_dir():
            local = local / "index.html"
        real = local.resolve()
        if not real.is_file() or not any(real.is_relative_to(r) for r in self.allowed_roots()):
            return url_path, None
        return url_path, real

    def send_plain(self, status, text, extra=()):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_file(self, head):
        url_path, path = self.resolve()
        if path is None or path.name.endswith((".partial", ".sha256")):
            return self.send_plain(HTTPStatus.NOT_FOUND, f"not found: {url_path}\n")
        st = path.stat()
        size = st.st_size
        etag = f'"{size:x}-{st.st_mtime_ns:x}"'
        common = [
            ("Content-Type", MIME.get(path.suffix) or mimetypes.guess_type(path.name)[0]
             or "application/octet-stream"),
            ("Accept-Ranges", "bytes"),
            ("ETag", etag),
            ("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True)),
            ("Cache-Control", cache_control(url_path)),
        ]
        if self.headers.get("If-None-Match") == etag and "Range" not in self.headers:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in common:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            return self.end_headers()

        span = None
        if_range = self.headers.get("If-Range")
        if "Range" in self.headers and (if_range is None or if_range == etag):
            span = parse_range(self.headers["Range"], size)
        if span == "unsatisfiable":
            return self.send_plain(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                                   "range not satisfiable\n",
                                   [("Content-Range", f"bytes */{size}"), *common[1:3]])
        start, end = span if span else (0, size - 1)
        length = end - start + 1 if size else 0
        self.send_response(HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK)
        for name, value in common:
            self.send_header(name, value)
        if span:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if not head:
            self.copy_range(path, start, length)

    def copy_range(self, path, start, length):
        try:
            with open(path, "rb") as f:
                f.seek(start)
                while length > 0:
                    block = f.read(min(CHUNK, length))
                    if not block:
                        break
                    self.write_body(block)
                    length -= len(block)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def write_body(self, block):
        """One place every body byte passes through: fault-injecting subclasses hook here."""
        self.wfile.write(block)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._open = set()
        self._lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def stop(self):
        """Stop for real: no new connections, and the keep-alive ones a browser still holds
        are cut too (otherwise a "stopped" server keeps answering on them)."""
        self.shutdown()
        self.server_close()
        with self._lock:
            live, self._open = list(self._open), set()
        for sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def make_server(site_dir, port=0, host="127.0.0.1", handler=SiteHandler):
    return Server((host, port), partial(handler, directory=os.fspath(site_dir)))


def serve_in_thread(site_dir, port=0, handler=SiteHandler):
    """Start a server on a background thread; returns (server, base_url). Call server.stop()."""
    server = make_server(site_dir, port, handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="devserver").start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
