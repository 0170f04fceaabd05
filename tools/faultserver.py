"""A loopback server with fault injection (download tests and benchmark): the real site, so
the app page is same-origin, plus files under /files/ from a folder, with faults on those.

It subclasses the dev server's SiteHandler, so ranges, ETags and headers are the real ones;
`write_body` sees every body byte, which is where bytes are counted, paced and cut.

It answers like a production static server would, so timings measure the browser: TCP_NODELAY
(nginx's default on keep-alive connections; without it every ranged response stalls on
Nagle + delayed ACK, measured ~10 ms per request on loopback), and while no fault acts on body
bytes, bodies go out in 1 MiB writes instead of paced 16 KiB pieces (less server CPU on a
2-core machine, where the server shares the CPU with the browser it serves).
"""
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.devserver import SiteHandler, serve_in_thread

PREFIX = "/files/"
PACE_BLOCK = 16 << 10   # pieces while a body fault acts (pacing and cut points at this grain)
LINK_BLOCK = 64 << 10   # pieces under a shared link cap alone (fewer sleeps at 1 Gbit/s)
LINK_BURST = 0.05       # seconds of link time a late writer may catch up (a link buffer)
MANIFEST_SUFFIX = ".chunks.json"
STALL_HOLD = 120        # seconds a stalled response holds its connection at most


@dataclass
class Faults:
    drop_after: int | None = None       # cut the connection once this many body bytes went out (once)
    fail_every: int = 0                 # every k-th request for a file answers `fail_status`
    fail_status: int = 500
    header_delay: float = 0.0           # seconds before answering a request that is not failed
    ignore_range: bool = False          # answer 200 with the whole body to ranged requests
    no_content_length: bool = False     # omit Content-Length (body ends when the connection closes)
    change_after: int | None = None     # after this many body bytes, replace the file (new ETag)
    change_to: bytes | None = None      # ... with these bytes (None: same bytes, new mtime)
    bandwidth: int | None = None        # bytes per second, per connection
    link_bandwidth: int | None = None   # bytes per second for every connection together
    down: bool = False                  # refuse every file request (network down)
    down_after: int | None = None       # go down once this many body bytes went out
    corrupt_at: int | None = None       # flip this byte of the file in the bodies that carry it
    corrupt_times: int = 1              # ... in this many responses (then it is served right)
    stale_manifest: bytes | None = None  # serve these bytes for every *.chunks.json instead
    stall_after: int | None = None      # once this many body bytes went out, that response
                                        # sends nothing more and keeps its connection (once)

    def act_on_body(self):
        return (self.drop_after is not None or self.change_after is not None
                or self.down_after is not None or self.stall_after is not None
                or bool(self.bandwidth)
                or bool(self.link_bandwidth))


@dataclass
class Stats:
    bytes_sent: int = 0
    requests: list = field(default_factory=list)   # (method, path, Range or None, status)
    active: int = 0                                 # file responses being sent right now
    bodies: list = field(default_factory=list)      # GET bodies: (Range, length, bytes sent)
    changes: int = 0                                # times the file was replaced
    corrupted: int = 0                              # bodies sent with the corrupt byte


class FaultState:
    def __init__(self, files_dir, paths=()):
        self.files_dir = Path(files_dir)
        self.paths = tuple(paths)    # site paths (prefixes) the faults and counts apply to too
        self.lock = threading.Lock()
        self.faults = Faults()
        self.stats = Stats()
        self.connections = set()
        self.count = 0
        self.link_free = 0.0             # when the shared link can take its next piece
        self.released = threading.Event()  # set by reset(): stalled responses give up
        self.stalled = 0                 # responses that stalled

    def reset(self, **faults):
        with self.lock:
            self.released.set()
            self.released = threading.Event()
            self.stalled = 0
            self.faults = Faults(**faults)
            self.stats = Stats()
            self.count = 0
            self.link_free = 0.0

    def corrupt_chunk(self, chunk, byte, chunk_size, times=1):
        """Corrupt byte `byte` of chunk `chunk` (of `chunk_size` bytes) in `times` responses."""
        self.set(corrupt_at=chunk * chunk_size + byte, corrupt_times=times)

    def link_slot(self, n):
        """Seconds to wait before `n` more bytes fit the shared link cap (a token bucket with
        50 ms of burst, like a link buffer: one connection alone fills the link despite
        sleep jitter, which on a loaded machine cost a lone stream about 15 % at 5 ms)."""
        rate = self.faults.link_bandwidth
        with self.lock:
            now = time.monotonic()
            start = max(self.link_free, now - LINK_BURST)
            self.link_free = start + n / rate
            return self.link_free - now

    def set(self, **faults):
        with self.lock:
            for name, value in faults.items():
                setattr(self.faults, name, value)

    def go_down(self):
        """Refuse new requests and cut every file response in flight."""
        with self.lock:
            self.faults.down = True
            conns = list(self.connections)
        for conn in conns:
            _cut(conn)

    def wait_idle(self, timeout=10):
        end = time.monotonic() + timeout
        while self.stats.active and time.monotonic() < end:
            time.sleep(0.02)
        return self.stats.active == 0


def _cut(conn):
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class FaultHandler(SiteHandler):
    state: FaultState = None
    disable_nagle_algorithm = True

    def is_file(self):
        """A request the faults and counts apply to: /files/, or a site path in state.paths
        (e.g. the bundled model, so the app's own copy of it can be cut or slowed)."""
        path = self.path.split("?", 1)[0]
        return path.startswith(PREFIX) or any(path.startswith(p) for p in self.state.paths)

    def resolve(self):
        url_path = self.path.split("?", 1)[0]
        if url_path.startswith(PREFIX):
            path = (self.state.files_dir / url_path[len(PREFIX):]).resolve()
            if path.is_relative_to(self.state.files_dir.resolve()) and path.is_file():
                return url_path, path
            return url_path, None
        return super().resolve()

    def send_file(self, head):
        if not self.is_file():
            return super().send_file(head)
        st = self.state
        with st.lock:
            f = st.faults
            st.count += 1
            number = st.count
            down = f.down
        if down:
            self.close_connection = True
            st.stats.requests.append((self.command, self.path, self.headers.get("Range"), "refused"))
            return
        if f.fail_every and number % f.fail_every == 0:
            st.stats.requests.append((self.command, self.path, self.headers.get("Range"),
                                      f.fail_status))
            return self.send_plain(f.fail_status, "injected failure\n")
        if f.header_delay:
            time.sleep(f.header_delay)
        if f.ignore_range and "Range" in self.headers:
            del self.headers["Range"]
        self._counted = not self.path.split("?", 1)[0].endswith(MANIFEST_SUFFIX)
        if not self._counted and f.stale_manifest is not None:
            st.stats.requests.append((self.command, self.path, None, "stale"))
            return self._send_bytes(f.stale_manifest)
        self._sent_here = 0
        self._at = 0
        self._length = None
        self._started = time.monotonic()
        with st.lock:
            st.stats.active += 1
            st.connections.add(self.connection)
        try:
            super().send_file(head)
        finally:
            with st.lock:
                st.stats.active -= 1
                st.connections.discard(self.connection)
                if not head and self._length is not None:
                    st.stats.bodies.append((self.headers.get("Range"), self._length, self._sent_here))

    def _send_bytes(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def copy_range(self, path, start, length):
        self._at = start               # the file offset of the next body byte
        super().copy_range(path, start, length)

    def send_response(self, code, message=None):
        if self.is_file():
            self.state.stats.requests.append((self.command, self.path, self.headers.get("Range"), code))
        super().send_response(code, message)

    def send_header(self, keyword, value):
        if self.is_file() and keyword.lower() == "content-length":
            self._length = int(value)
        if self.is_file() and self.state.faults.no_content_length and keyword.lower() == "content-length":
            if self.command == "GET":
                self.close_connection = True    # without a length the body ends at close
                return super().send_header("Connection", "close")
            return
        super().send_header(keyword, value)

    def write_body(self, block):
        if not self.is_file():
            return super().write_body(block)
        block = self._corrupt(block)
        view = memoryview(block)
        self._at += len(view)
        faults = self.state.faults
        if faults.act_on_body():
            only_link = faults.link_bandwidth and not (faults.bandwidth or faults.drop_after
                                                       or faults.change_after or faults.down_after)
            step = LINK_BLOCK if only_link else PACE_BLOCK
        else:
            step = len(view)
        while view:
            piece = view[:step]
            view = view[step:]
            self._write_piece(piece)

    def _corrupt(self, block):
        """Flip the corrupt byte if this block carries it (and responses are left to spoil)."""
        st = self.state
        with st.lock:
            at, f = st.faults.corrupt_at, st.faults
            if at is None or not self._counted or not self._at <= at < self._at + len(block):
                return block
            f.corrupt_times -= 1
            if f.corrupt_times <= 0:
                f.corrupt_at = None
            st.stats.corrupted += 1
        spoilt = bytearray(block)
        spoilt[at - self._at] ^= 0xFF
        return bytes(spoilt)

    def _write_piece(self, piece):
        st = self.state
        with st.lock:
            f = st.faults
            if f.down:
                raise ConnectionResetError("server is down")
            cut = None
            if f.drop_after is not None and st.stats.bytes_sent + len(piece) >= f.drop_after:
                cut = max(0, f.drop_after - st.stats.bytes_sent)
                f.drop_after = None
            if f.down_after is not None and st.stats.bytes_sent + len(piece) >= f.down_after:
                cut = max(0, f.down_after - st.stats.bytes_sent)
                f.down_after = None
                f.down = True
            stall = None
            if f.stall_after is not None and st.stats.bytes_sent + len(piece) >= f.stall_after:
                cut = max(0, f.stall_after - st.stats.bytes_sent)
                f.stall_after = None
                stall = st.released
                st.stalled += 1
            if f.change_after is not None and st.stats.bytes_sent >= f.change_after:
                f.change_after = None
                self._replace_file(f.change_to)
                st.stats.changes += 1
        if cut is not None:
            piece = piece[:cut]
        if f.bandwidth:
            due = self._started + (self._sent_here + len(piece)) / f.bandwidth
            time.sleep(max(0.0, due - time.monotonic()))
        if f.link_bandwidth:
            time.sleep(max(0.0, st.link_slot(len(piece))))
        self.wfile.write(piece)
        self.wfile.flush()
        with st.lock:
            if self._counted:
                st.stats.bytes_sent += len(piece)
        self._sent_here += len(piece)
        if stall is not None:
            # Silent, connection kept: what a hung server or a dead NAT mapping looks like.
            stall.wait(STALL_HOLD)
            raise ConnectionResetError("stalled response given up")
        if cut is not None:
            if st.faults.down:
                st.go_down()
            _cut(self.connection)
            raise ConnectionResetError("injected connection drop")

    def _replace_file(self, new_bytes):
        """The file on disk is replaced, as a deploy would: new inode, new mtime -> new ETag.
        Responses already open keep reading the old inode."""
        path = self.resolve()[1]
        if path is None:
            return
        tmp = path.with_suffix(path.suffix + ".new")
        tmp.write_bytes(new_bytes if new_bytes is not None else path.read_bytes())
        later = time.time() + 5
        os.utime(tmp, (later, later))
        os.replace(tmp, path)


def start(site_dir, files_dir, paths=()):
    """-> (server, base_url, FaultState); `paths`: site path prefixes that get faults too."""
    state = FaultState(files_dir, paths)
    handler = type("BoundFaultHandler", (FaultHandler,), {"state": state})
    server, base = serve_in_thread(site_dir, handler=handler)
    report = server.handle_error

    def handle_error(request, client_address):
        # A client that goes away (aborted download, closed tab) is expected here, not news.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            report(request, client_address)

    server.handle_error = handle_error
    return server, base, state
