"""The browser side of a model download: ranged `fetch`es straight into a Store.

Python plans, schedules, settles every chunk, retries and records progress; bytes stay in JS
and take one of two lanes:
- WorkerLane, for a store that writes in a worker (OPFS with sync access handles): the worker
  fetches a whole run of chunks (one Range request) straight into the file, hashes each chunk
  natively as it completes (or, without a manifest, the file in order) and reports verdicts
  and bytes in batches (app/storage/opfs_sync.FileSink). No model byte reaches this thread;
  memory is a few small buffers per request.
- BufferLane, for every other store: each chunk's body is read by a JS loop
  (static/js/body-reader.js, BYOB through one small scratch buffer) into a pooled chunk buffer
  and handed to `Partial.write_at`; the stored chunk's buffer is then transferred to a sha256
  worker that hashes in file order and hands it back, so memory is about 2 x parallel x chunk
  size, whatever the model size.

A file download: probe the server (HEAD, else a one-byte ranged GET) -> reopen or create
the store's partial entry -> fetch the chunks it lacks, `parallel` at a time, retrying each
with bounded backoff -> sha256 (computed on the way; over the stored bytes for a resumed
file) -> commit. Only a verified file is ever committed; a mismatch discards the partial. A cancel aborts every request at once and keeps
the chunks already marked done, so the next run fetches only what is missing.
"""
import asyncio

from app.compat import JsException, create_proxy, js, js_get, to_js_object
from app.download import plan
from app.download.hashing import (BufferPool, ChunkHasher, FileHasher, HashError, body_reader,
                                  chunk_check)
from app.download.manifest import ManifestError, parse_manifest
from app.download.progress import (CANCELLED, CHECKING, DONE, DOWNLOADING, FAILED, VERIFYING,
                                   Tracker)
from app.download.recorder import Recorder
from app.storage.base import QuotaExceeded, StoreError
from app.storage.jsio import translate as store_error
from app.storage.opfs_sync import WorkerError

MAX_RESTARTS = 3   # clean restarts when the server's file changes under us
MAX_BAD_CHUNK = 3  # re-fetches of one chunk that fails its manifest sha256, before giving up


class DownloadError(Exception):
    """A download failed; str() is a message fit for the user. Partial data is kept for a
    resume unless the message says it was discarded."""


class Cancelled(DownloadError):
    def __init__(self, message="the download was cancelled; completed chunks are kept"):
        super().__init__(message)


class VerifyError(DownloadError):
    """The bytes do not hash to the catalog's sha256; the partial entry was discarded."""


class _Changed(Exception):
    """The remote file is not the version this download started with: restart clean."""


class _Retry(Exception):
    """A hiccup worth another try (5xx, network error, truncated body)."""


class _NoRanges(Exception):
    """The server answered a ranged request with the whole body (200): stream that once."""

    def __init__(self, response, controller):
        super().__init__("the server ignores Range")
        self.response, self.controller = response, controller


class Session:
    """What the requests of one model download share: the cancel switch, every live request
    (anything with `abort()`: an AbortController, a worker request) so that a cancel or a
    failure reaches all of them, and the limit on parallel requests."""

    def __init__(self, parallel):
        self.slots = asyncio.Semaphore(parallel)
        self.requests = {}             # id -> request (JsProxy is unhashable)
        self.cancelled = False
        self._cancel_event = asyncio.Event()

    def track(self, request):
        self.check()
        self.requests[id(request)] = request
        return request

    async def fetch(self, url, method="GET", span=None):
        """-> (Response, AbortController); the caller must `done(controller)`."""
        controller = self.track(js.AbortController.new())
        init = {"method": method, "cache": "no-store", "signal": controller.signal}
        if span is not None:
            init["headers"] = {"Range": plan.range_header(*span)}
        try:
            return await js.fetch(url, to_js_object(init)), controller
        except JsException as exc:
            self.done(controller)
            raise self.translate(exc) from None
        except BaseException:
            # Cancelled while waiting for the headers: without an abort the response would
            # arrive later, unread, and hold one of the browser's 6 connections to the host.
            self.done(controller)
            raise

    def done(self, request):
        """Abort (a no-op once the body was read fully) and forget one request."""
        request.abort()
        self.requests.pop(id(request), None)

    def abort_all(self):
        """Abort every request still open (a failure or a cancel ends the whole download)."""
        requests, self.requests = list(self.requests.values()), {}
        for request in requests:
            request.abort()

    def translate(self, exc):
        """A JS error from fetch/read -> Cancelled when we aborted, else a retryable hiccup."""
        if self.cancelled:
            return Cancelled()
        return _Retry(f"network error ({_js_message(exc)})")

    def check(self):
        if self.cancelled:
            raise Cancelled()

    async def sleep(self, seconds):
        """A backoff pause that a cancel cuts short. Not `wait_for`: its timeout checks the
        clock, then Pyodide's WebLoop.call_at reads it again and raises "Can't schedule in the
        past" when the deadline fell in between (seen under load); `wait` uses call_later."""
        waiter = asyncio.ensure_future(self._cancel_event.wait())
        try:
            await asyncio.wait([waiter], timeout=seconds)
        finally:
            waiter.cancel()
        self.check()

    def cancel(self):
        self.cancelled = True
        self._cancel_event.set()
        self.abort_all()


def _js_message(exc):
    text = str(exc)
    return text.split(": ", 1)[-1] if text else exc.__class__.__name__


def _header(response, name):
    value = response.headers.get(name)
    return value if isinstance(value, str) and value else None


class Remote:
    """What the server says about a file: its size, version and whether it serves ranges."""

    def __init__(self, size, etag, last_modified, ranges, response=None, controller=None):
        self.size, self.etag, self.last_modified = size, etag, last_modified
        self.ranges = ranges
        self.response, self.controller = response, controller   # a 200 body to stream once

    @property
    def version(self):
        return plan.validator(self.etag, self.last_modified)

    @classmethod
    def from_response(cls, response, size, ranges, keep_body=False, controller=None):
        return cls(size, _header(response, "ETag"), _header(response, "Last-Modified"), ranges,
                   response if keep_body else None, controller if keep_body else None)


class FileDownload:
    """One file of a model into one store key."""

    def __init__(self, owner, file, key):
        self.owner, self.file, self.key = owner, file, key
        self.session, self.store = owner.session, owner.store
        self.url = str(js.URL.new(file.url, js.location.href).href)
        self.version = None
        self.size = None
        self.ranges_seen = asyncio.Event()
        self.chunk_size = owner.chunk_size
        self.hasher = None
        self.recorder = None      # saves the done chunks of the partial (a few times a second)
        self.in_order = False     # every byte went through the hasher from 0: its digest counts
        self.manifest = None      # the file's chunk manifest: every chunk checked on arrival
        self.passed = set()       # indices of the chunks whose sha256 matched the manifest
        self.bad = {}             # chunk start -> times it failed its check
        self.repair = None        # (Blob of the stored entry, its good ranges) to start from

    # -- bookkeeping ------------------------------------------------------------------------

    def progress(self, **kw):
        self.owner.tracker.set_file(self.file.name, **kw)
        self.owner.emit()

    def got(self, nbytes):
        self.owner.tracker.add(self.file.name, nbytes)
        self.owner.emit(throttle=True)

    def fail(self, message):
        return DownloadError(f"{self.file.name}: {message}")

    async def retry_pause(self, attempt, reason):
        delay = self.owner.retry.delay(attempt)
        if delay is None:
            raise self.fail(f"{reason}; gave up after {self.owner.retry.retries} retries "
                            "(completed chunks are kept: resume to continue)")
        await self.session.sleep(delay)

    # -- the whole file -----------------------------------------------------------------------

    async def run(self):
        existing = await self.store.info(self.key)
        if existing and self._matches(existing):
            if not await self.check_stored(existing):
                self.progress(total=existing.size, done=existing.size, state=DONE)
                return existing
        for _ in range(MAX_RESTARTS + 1):
            try:
                return await self._attempt()
            except _Changed as exc:
                self.owner.log(f"{self.file.name}: {exc}; restarting clean")
                await self.store.delete(self.key)
                self.progress(done=0)
        raise self.fail("the file kept changing on the server while downloading; try again later")

    def _matches(self, info):
        if self.file.size is not None and info.size != self.file.size:
            return False
        return not self.file.sha256 or info.meta.get("sha256") == self.file.sha256

    async def _attempt(self):
        self.progress(state=CHECKING)
        # The manifest and the probe are two round trips that need not wait for each other
        # (a manifest refused still means no byte of the file was fetched: the probe is a
        # HEAD, or a one-byte GET on a server without Content-Length on HEAD).
        manifest, remote = await run_all([self._manifest(), self.probe()])
        self.manifest = manifest
        self.passed, self.bad = set(), {}      # a restart checks everything again
        self.size = self._reconcile_size(remote)
        self.version = remote.version
        meta = {"url": self.url, "version": self.version, "sha256": self.file.sha256}
        partial = await self.store.begin(self.key, self.size, meta)
        try:
            return await self._fill(partial, remote, meta)
        except QuotaExceeded as exc:
            # Out of space: what this download stored is freed at once (kept for a resume it
            # would leave the origin's quota used up, and the to-do list unable to save).
            self.session.abort_all()
            try:
                await partial.abort()
            except Exception as cleanup:  # noqa: BLE001 - the quota error is the one to report
                self.owner.log(f"{self.file.name}: could not remove the partial data: {cleanup!r}")
            self.progress(done=0, state=FAILED)
            raise self.fail(f"{exc} What this download had stored was removed, so that "
                            "space is free again.") from None

    async def _fill(self, partial, remote, meta):
        """Fetch what `partial` lacks, verify, commit -> EntryInfo."""
        self.recorder = Recorder(partial)
        done = plan.merge(await partial.done_ranges())
        done = await self._seed_repair(partial, done)
        self.progress(total=self.size, done=plan.covered(done), state=DOWNLOADING)
        self.chunk_size = chunk_size = (self.manifest.chunk_size if self.manifest
                                        else self.owner.chunk_size)
        sink = partial.worker_sink()
        pool = BufferPool(max(1, min(chunk_size, self.size)), 2 * self.owner.parallel)
        if self.manifest:
            self.hasher = None            # every chunk is checked on arrival instead
        elif sink is not None:
            self.hasher = FileHasher(sink, done)
        else:
            self.hasher = ChunkHasher(pool)
        if sink is not None:
            lane = WorkerLane(sink, self.got, in_order_hash=self.hasher is not None)
        else:
            lane = BufferLane(pool, self.hasher, await body_reader(), await chunk_check(), self.got)
        resumed = self.manifest.whole_chunks(done) if self.manifest else []
        try:
            try:
                if remote.response is not None:
                    await self.stream_once(partial, remote.response, remote.controller)
                else:
                    self.in_order = not done
                    if self.manifest:       # whole chunks only: each is checked on its own
                        skip = set(resumed)
                        todo = [span for i, span in enumerate(self.manifest.spans())
                                if i not in skip]
                    else:
                        todo = plan.chunks(self.size, done, chunk_size)
                    try:
                        await self.fetch_ranges(partial, todo, lane)
                    except _NoRanges as nr:
                        self.in_order = False
                        await self.stream_once(partial, nr.response, nr.controller)
                if self.manifest:
                    self.progress(state=VERIFYING)
                    await self.check_resumed(partial, lane, resumed)
                self.progress(state=VERIFYING)
                if self.manifest:
                    digest = self.all_passed()
                else:       # the commit's disk flush (20-35 ms) beside the last hashing
                    digest, _ = await run_all([self.sha256(partial), partial.sync()])
            except _Changed:
                await partial.abort()
                raise
            except BaseException:
                await self.recorder.close_quietly()     # a resume skips what is done
                raise
            # No record here: the commit takes every chunk noted done (a last record would
            # flush the file once more just before the commit's own flush).
        finally:
            if self.hasher is not None:
                self.hasher.close()
            lane.close()
        if self.file.sha256 and digest != self.file.sha256:
            await partial.abort()
            self.progress(done=0, state=FAILED)
            raise VerifyError(f"{self.file.name}: sha256 mismatch (expected {self.file.sha256}, "
                              f"got {digest}); the downloaded data was discarded")
        await partial.commit({**meta, "sha256": digest})
        self.progress(state=DONE)
        return await self.store.info(self.key)

    def _reconcile_size(self, remote):
        expected, actual = self.file.size, remote.size
        if expected is None and self.manifest is not None:
            expected = self.manifest.size
        if expected is not None and actual is not None and expected != actual:
            raise self.fail(f"the server has {actual} bytes but the catalog says {expected}")
        size = actual if actual is not None else expected
        if size is None:
            raise self.fail("the server does not say how big the file is and the catalog "
                            "has no size for it")
        return size

    # -- the chunk manifest --------------------------------------------------------------------

    async def load_manifest(self, quiet=False):
        """The file's chunk manifest, checked against the catalog (its own sha256, the file's
        size and sha256); None when the catalog names none. A manifest that is not the one the
        catalog names (stale, altered) is a clear error: none of its hashes is trusted.
        `quiet`: None instead of retries when it cannot be fetched (a check of a stored
        model, possibly offline, that must not fail the model)."""
        ref = self.file.chunks
        if ref is None:
            return None
        url = str(js.URL.new(ref.url, js.location.href).href)
        attempt = 0
        while True:
            try:
                data = await self._fetch_small(url)
                break
            except _Retry as exc:
                if quiet:
                    self.owner.log(f"{self.file.name}: chunk manifest not available ({exc})")
                    return None
                attempt += 1
                await self.retry_pause(attempt, f"the chunk manifest: {exc}")
        try:
            return parse_manifest(data, ref.sha256, self.file.size, self.file.sha256)
        except ManifestError as exc:
            raise self.fail(f"{exc}; nothing was downloaded") from None

    async def _manifest(self):
        return self.manifest or await self.load_manifest()

    async def _fetch_small(self, url):
        response, controller = await self.session.fetch(url)
        try:
            status = response.status
            if plan.is_retryable_status(status):
                raise _Retry(f"HTTP {status}")
            if not response.ok:
                raise self.fail(f"the chunk manifest could not be fetched (HTTP {status} for {url})")
            try:
                return js.Uint8Array.new(await response.arrayBuffer()).to_bytes()
            except JsException as exc:
                raise self.session.translate(exc) from None
        finally:
            self.session.done(controller)

    def chunk_passed(self, start, end):
        self.passed.add(self.manifest.index(start))

    def chunk_failed(self, start, end):
        """A chunk's bytes did not hash to the manifest: count it, take its bytes back off the
        progress, and give up after MAX_BAD_CHUNK re-fetches of it."""
        self.bad[start] = times = self.bad.get(start, 0) + 1
        self.owner.tracker.add(self.file.name, -(end - start))
        index = self.manifest.index(start)
        self.owner.log(f"{self.file.name}: chunk {index} (bytes {start}-{end - 1}) failed its "
                       f"sha256 check ({times}); fetching it again")
        if times > MAX_BAD_CHUNK:
            raise self.fail(f"chunk {index} (bytes {start}-{end - 1}) failed its sha256 check "
                            f"{times} times: the server's copy does not match the chunk manifest "
                            "(verified chunks are kept: resume to try again)")

    async def check_resumed(self, partial, lane, resumed):
        """Chunks that were already stored (a resume, a repair) are hashed again; a bad one is
        fetched again on its own, checked on arrival like every other."""
        if not resumed:
            return
        spans = [(*self.manifest.span(i), self.manifest.chunks[i]) for i in resumed]
        bad = await lane.verify_stored(partial, spans)
        good = set(resumed) - {self.manifest.index(s) for s, _ in bad}
        self.passed |= good
        if not bad:
            return
        for start, end in bad:
            self.owner.log(f"{self.file.name}: stored chunk {self.manifest.index(start)} is "
                           "corrupt; fetching it again")
            self.owner.tracker.add(self.file.name, -(end - start))
        self.owner.emit()
        try:
            await self.fetch_ranges(partial, bad, lane)
        except _NoRanges as nr:
            if nr.controller is not None:
                self.session.done(nr.controller)
            await partial.abort()
            raise self.fail("a stored chunk is corrupt and the server does not serve byte "
                            "ranges, so it cannot be fetched alone: the partial download was "
                            "discarded; try again") from None

    def all_passed(self):
        """The whole file's sha256, vouched for by the manifest once every chunk has passed
        (no pass over the whole file after the last byte)."""
        missing = [i for i in range(len(self.manifest.chunks)) if i not in self.passed]
        if missing:
            raise self.fail(f"{len(missing)} chunks were not verified (first: chunk {missing[0]})")
        return self.manifest.sha256

    async def check_stored(self, info):
        """A complete entry with a chunk manifest is checked chunk by chunk (native sha256,
        one read of the stored file). -> True when some chunk is corrupt: the download then
        starts from the good chunks, copied from the entry, and fetches only the bad ones.
        False when it is fine, or cannot be checked now (no manifest, or offline)."""
        if self.file.chunks is None:
            return False
        self.progress(total=info.size, done=info.size, state=VERIFYING)
        try:
            self.manifest = await self.load_manifest(quiet=True)
        except Cancelled:
            raise
        except DownloadError as exc:      # the stored entry was verified when it was downloaded
            self.owner.log(f"stored {self.file.name} not checked: {exc}")
            return False
        if self.manifest is None or self.manifest.size != info.size:
            return False
        spans = [(*self.manifest.span(i), h) for i, h in enumerate(self.manifest.chunks)]
        check = await chunk_check()
        bad = [tuple(b) for b in (await check.verifyStream(await self.store.stream(self.key),
                                                           to_js_object(spans))).to_py()]
        if not bad:
            return False
        self.owner.log(f"{self.file.name}: {len(bad)} stored chunks are corrupt; fetching "
                       "only those again")
        good = plan.missing(info.size, bad)
        self.repair = (await self.store.read(self.key), good)
        return True

    async def _seed_repair(self, partial, done):
        """A repair starts from the good chunks of the stored entry: copied into the partial
        (a local copy, no network), then checked again like any resumed chunk."""
        if self.repair is None:
            return done
        blob, good = self.repair
        self.repair = None
        for start, end in plan.missing(self.size, done):
            for s, e in good:
                s, e = max(s, start), min(e, end)
                if s < e:
                    await partial.write_at(s, blob.slice(s, e))
                    await self.recorder.done(s, e)
        await self.recorder.close()
        return plan.merge(await partial.done_ranges())

    # -- talking to the server -------------------------------------------------------------------

    async def probe(self):
        """HEAD for size/version/ranges; without a Content-Length (or without HEAD), a one-byte
        ranged GET: its Content-Range carries the total, a 200 means no range support."""
        attempt = 0
        while True:
            try:
                return await self._probe_once()
            except _Retry as exc:
                attempt += 1
                await self.retry_pause(attempt, str(exc))

    async def _probe_once(self):
        response, controller = await self.session.fetch(self.url, "HEAD")
        self.session.done(controller)
        status = response.status
        if plan.is_retryable_status(status):
            raise _Retry(f"HTTP {status}")
        if response.ok:
            size = plan.parse_length(_header(response, "Content-Length"))
            ranges = "bytes" in (_header(response, "Accept-Ranges") or "").lower()
            if size is not None and ranges:
                return Remote.from_response(response, size, True)
        elif status not in (405, 501, 403):      # servers that refuse HEAD still serve GET
            raise self.fail(f"the server answered HTTP {status} for {self.url}")
        response, controller = await self.session.fetch(self.url, span=(0, 1))
        status = response.status
        if status == 206:
            self.session.done(controller)
            self.ranges_seen.set()
            total = plan.parse_content_range(_header(response, "Content-Range"))
            return Remote.from_response(response, total.total if total else None, True)
        if status == 200:
            size = plan.parse_length(_header(response, "Content-Length"))
            return Remote.from_response(response, size, False, keep_body=True, controller=controller)
        self.session.done(controller)
        if status == 416:
            return Remote.from_response(response, 0, True)        # an empty file
        if plan.is_retryable_status(status):
            raise _Retry(f"HTTP {status}")
        raise self.fail(f"the server answered HTTP {status} for {self.url}")

    def _check_version(self, response):
        if not plan.same_version(self.version, _header(response, "ETag"),
                                 _header(response, "Last-Modified")):
            raise _Changed("the file changed on the server (ETag/Last-Modified)")

    async def fetch_ranges(self, partial, todo, lane):
        runs = plan.Runs(todo, self.owner.parallel, lane.run_bytes)
        # A chunk that fails its manifest check goes back to the queue and is fetched again
        # alone; the rest of its run carries on over the same request.

        async def worker(first):
            if not first:   # fan out only once a 206 proved the server honours Range: a
                await self.ranges_seen.wait()   # server that ignores it costs one body, not six
            pending = []    # this worker's chunk checks still running, and their settling
            ahead = None    # the next run, its request opened while the last one was ending
            try:
                while True:
                    async with self.session.slots:
                        # The chunk's cursor (and buffer) first, then the next run (taken in
                        # file order): the chunk at the hashing front always gets a buffer.
                        cursor = await lane.cursor()
                        run = ahead.run if ahead else runs.next()
                        if run is not None:
                            ahead = await lane.fetch_run(self, partial, run, cursor, runs,
                                                         pending, ahead)
                            _raise_failed(pending)
                            continue
                        lane.finish(cursor)
                    if not pending:
                        return
                    while pending:    # a chunk handed out again: next, to this worker if need be
                        await asyncio.shield(pending.pop(0))
            finally:
                if ahead is not None:
                    await ahead.drop(self.session)
                await _settle_all(pending)

        await run_all([worker(i == 0) for i in range(min(self.owner.parallel, len(runs)))])

    async def fetch_chunk(self, start, end, lane, cursor, conn):
        """BufferLane: fetch [start, end) through the lane (on the run's open request when it
        is at this byte). A body cut short is continued from where it stopped; failures retry
        with bounded backoff. On failure the cursor is finished here, else by settle_chunk."""
        length = end - start
        try:
            attempt = 0
            while cursor.pos < length:
                before = cursor.pos
                try:
                    await self._fetch_into(lane, cursor, start, length, conn)
                except _Retry as exc:
                    attempt = 0 if cursor.pos > before else attempt + 1
                    if attempt:               # no progress at all: back off before trying again
                        await self.retry_pause(attempt, str(exc))
            self.session.check()
        except BaseException:
            lane.finish(cursor)
            raise

    async def settle_chunk(self, partial, start, end, lane, cursor, runs):
        """BufferLane: a fetched chunk: checked against the manifest if there is one (a bad one
        is handed out again, to be fetched alone), then stored, marked done, hashed."""
        try:
            if self.manifest is not None:
                if not await lane.check(cursor, start, end, self.manifest.expected(start, end)):
                    self.chunk_failed(start, end)
                    runs.again((start, end))
                    return
                self.chunk_passed(start, end)
            self.session.check()
            await lane.store(partial, self.recorder, start, end, cursor, self.in_order)
        finally:
            lane.finish(cursor)

    async def _fetch_into(self, lane, cursor, start, length, conn):
        at = start + cursor.pos
        if conn.request is None or conn.next != at:
            conn.close(self.session)
            await self.open_range(lane, conn, at)
        try:
            await lane.read(self.session, conn, cursor, start, length, self.owner.retry.stall)
            conn.next = start + cursor.pos
            if cursor.overflow:
                cursor.overflow = False
                raise _Retry("the server sent more bytes than asked")
            if cursor.pos < length:
                raise _Retry("the connection ended early (truncated chunk)")
        except BaseException:
            conn.close(self.session)
            raise

    async def open_range(self, lane, conn, at):
        """A ranged request for [at, end of the run) whose answer passed every check."""
        response, request = await lane.open(self.session, self.url, (at, conn.end))
        handed_over = False
        try:
            status = response.status
            if status == 200:
                if lane.keeps_body:
                    handed_over = True
                    raise _NoRanges(response, request)
                raise _NoRanges(None, None)   # aborted here; stream_once asks again
            if status == 416:
                raise _Changed("the server no longer has these bytes (HTTP 416)")
            if plan.is_retryable_status(status):
                raise _Retry(f"HTTP {status}")
            if status != 206:
                raise self.fail(f"the server answered HTTP {status} for a byte range")
            self._check_version(response)
            self.ranges_seen.set()
            span = plan.parse_content_range(_header(response, "Content-Range"))
            if span is None or span.start != at:
                raise _Retry("the server sent another range than asked "
                             f"({_header(response, 'Content-Range')})")
            if span.total is not None and span.total != self.size:
                raise _Changed(f"the file size changed on the server ({span.total} bytes)")
        except BaseException:
            if not handed_over:
                self.session.done(request)
            raise
        conn.request, conn.response, conn.next = request, response, at

    async def stream_once(self, partial, response, controller):
        """No range support: read one whole 200 body in order, writing chunk-sized pieces.
        A failure starts the body over (a server without Range allows nothing else); pieces
        already marked done are not written again."""
        attempt = 0
        while True:
            try:
                if response is None:
                    response, controller = await self.session.fetch(self.url)
                    if plan.is_retryable_status(response.status):
                        raise _Retry(f"HTTP {response.status}")
                    if response.status != 200:
                        raise self.fail(f"the server answered HTTP {response.status}")
                self._check_version(response)
                self.progress(done=0)      # the whole body travels again: count all of it
                await self._stream_body(partial, response)
                return
            except _Retry as exc:
                attempt += 1
                await self.retry_pause(attempt, str(exc))
            finally:
                if controller is not None:
                    self.session.done(controller)
                response = controller = None

    async def _stream_body(self, partial, response):
        done = plan.merge(await partial.done_ranges())
        reader = response.body.getReader()
        buf = js.Uint8Array.new(max(1, min(self.chunk_size, self.size)))
        pos, fill = 0, 0
        try:
            while True:
                result = await _read_or_stall(reader, self.owner.retry.stall)
                if result.done:
                    break
                value = result.value
                offset, n = 0, value.length
                if pos + fill + n > self.size:
                    raise _Changed("the server sent more bytes than the file has")
                self.got(n)
                while offset < n:
                    take = min(n - offset, buf.length - fill)
                    buf.set(value.subarray(offset, offset + take), fill)
                    fill, offset = fill + take, offset + take
                    if fill == buf.length or pos + fill == self.size:
                        if not _inside(done, pos, pos + fill):
                            await self._check_piece(pos, pos + fill, buf)
                            await partial.write_at(pos, buf.subarray(0, fill))
                            await self.recorder.done(pos, pos + fill)
                            if isinstance(self.hasher, FileHasher):
                                self.hasher.stored(pos, pos + fill)
                        pos, fill = pos + fill, 0
                        buf = js.Uint8Array.new(buf.length)   # the store may still hold the old one
        except JsException as exc:
            raise self.session.translate(exc) from None
        if pos + fill < self.size:
            raise _Retry("the connection ended early (truncated body)")

    async def _check_piece(self, start, end, buf):
        """A piece of a whole body (no Range support) against the manifest: a bad one means
        the body again (nothing else can be asked of such a server); bounded like a chunk."""
        if self.manifest is None:
            return
        check = await chunk_check()
        if await check.sha256Hex(buf.subarray(0, end - start)) != self.manifest.expected(start, end):
            self.chunk_failed(start, end)
            raise _Retry(f"chunk {self.manifest.index(start)} failed its sha256 check")
        self.chunk_passed(start, end)

    # -- verification ------------------------------------------------------------------------

    async def sha256(self, partial):
        """The sha256 computed while downloading: read back from the store in its worker, or
        over the chunk buffers when every byte went through them in order; else (a resumed
        file, a server without Range) over the stored bytes, streamed to the worker."""
        self.session.check()
        try:
            if isinstance(self.hasher, FileHasher) or self.in_order:
                seen, digest = await self.hasher.digest()
            else:
                seen, digest = await self.hasher.digest_stream(await partial.stream())
        except HashError as exc:
            raise self.fail(str(exc)) from None
        self.session.check()
        if seen != self.size:
            raise self.fail(f"the store holds {seen} bytes, expected {self.size}")
        return digest


class _Connection:
    """A lane's open ranged request for a run of chunks; the next chunk of the run reads on
    from it while `next` is where that chunk starts."""

    def __init__(self, end):
        self.end = end
        self.request = self.response = self.next = None

    def close(self, session):
        if self.request is not None:
            session.done(self.request)
        self.request = self.response = self.next = None


class BufferLane:
    """Bytes through this thread: each chunk into a pooled buffer by a JS loop, then
    `Partial.write_at`, then (in order) to the hashing worker, which hands the buffer back."""

    keeps_body = True      # a 200 answer's body can be streamed by stream_once
    run_bytes = 0          # one request per chunk: a run would need buffers out of order

    def __init__(self, pool, hasher, reader, checker, got):
        self.pool, self.hasher, self.reader, self.checker = pool, hasher, reader, checker
        self._on_bytes = create_proxy(got)

    async def cursor(self):
        cursor = js.Object.new()      # shared with the JS body reader
        cursor.buf, cursor.pos, cursor.overflow = await self.pool.buffer(), 0, False
        cursor.hashed = False
        return cursor

    async def check(self, cursor, start, end, expected):
        """The chunk in its buffer, before it is stored: bad bytes never reach the store."""
        return await self.checker.sha256Hex(cursor.buf.subarray(0, end - start)) == expected

    async def verify_stored(self, partial, spans):
        """[(start, end, hex)] of chunks stored earlier -> [(start, end)] of the bad ones,
        from one in-order read of the partial entry (at the end: it has no gaps then)."""
        bad = await self.checker.verifyStream(await partial.stream(), to_js_object(spans))
        return [tuple(b) for b in bad.to_py()]

    async def open(self, session, url, span):
        return await session.fetch(url, span=span)

    async def read(self, session, conn, cursor, start, length, stall):
        try:
            await self.reader.readInto(conn.response.body, cursor, length, self._on_bytes,
                                       stall * 1000)
        except JsException as exc:
            raise session.translate(exc) from None

    async def fetch_run(self, fd, partial, run, cursor, runs, pending, ahead=None):
        """A run chunk by chunk (each needs a buffer of its own): read into the buffer by the
        JS loop, then checked and stored while the next one arrives."""
        conn = _Connection(run[-1][1])
        settling = []
        try:
            for i, (start, end) in enumerate(run):
                if i:
                    cursor = await self.cursor()
                await fd.fetch_chunk(start, end, self, cursor, conn)
                settling.append(asyncio.ensure_future(
                    fd.settle_chunk(partial, start, end, self, cursor, runs)))
            for task in settling:
                await task
        finally:
            conn.close(fd.session)
            # What was fetched is still stored, however the run ended: a resume skips it.
            await asyncio.gather(*settling, return_exceptions=True)
        return None         # no request opened ahead: each chunk needs a buffer first

    async def store(self, partial, recorder, start, end, cursor, in_order):
        await partial.write_at(start, cursor.buf.subarray(0, end - start))
        await recorder.done(start, end)
        if in_order and self.hasher is not None:
            # Stores copy what they keep by the time note_done returns, so the buffer can
            # move to the hashing worker; it comes back to the pool once hashed.
            self.hasher.hash(start, cursor.buf, end - start)
            cursor.hashed = True

    def finish(self, cursor):
        if not cursor.hashed:
            self.pool.release(cursor.buf)
            cursor.hashed = True

    def close(self):
        self._on_bytes.destroy()


class WorkerLane:
    """Bytes never reach this thread: the store's worker fetches a whole run of chunks straight
    into the file in one call (app/storage/opfs_sync.FileSink.run), hashes each chunk as it
    completes (a file without a manifest: the whole file, in order) and posts the verdicts in
    batches; this side settles them, records, and retries what did not arrive (with one
    round trip per chunk, read then check, each request sat unread about 50 ms per chunk)."""

    keeps_body = False
    # The next run's request is opened this many bytes (at most half the run) before the
    # body ends: over HTTP/1.1 it waits in the browser for this connection and starts the
    # moment the body ends (with the 6 lanes finishing together, measured gaps of 50-130 ms
    # between runs otherwise).
    AHEAD_BYTES = 4 << 20
    # Bytes go straight to the file, so a run of chunks can share one request. Not longer:
    # with 64 MiB runs the renderer's memory during a 1 GiB download was about +150 MiB,
    # with 16 MiB runs (or one request per chunk) about +60 MiB (measured, tools/bench).
    run_bytes = 16 << 20

    def __init__(self, sink, got, in_order_hash=False):
        self.sink, self.got = sink, got
        if in_order_hash:
            # Short runs (one default chunk): the whole-file hash can only follow the earliest
            # unfinished byte, and long runs leave more bytes waiting behind it when the
            # last one lands (measured at 1 Gbit/s: 16 MiB runs, 140-160 ms of hashing after
            # the last byte; one chunk per request, 55 ms).
            self.run_bytes = 8 << 20

    async def cursor(self):
        return None

    def finish(self, cursor):
        pass

    async def open(self, session, url, span):
        request = session.track(_WorkerRequest(self.sink))
        try:
            answer = await self.sink.open(request.req, url, plan.range_header(*span))
        except Exception as exc:
            session.done(request)
            raise session.translate(exc) from None
        except BaseException:        # cancelled: the worker must drop the request too
            session.done(request)
            raise
        return _Answer(answer), request

    async def fetch_run(self, fd, partial, run, cursor, runs, pending, ahead=None):
        """One request for the run (opened by the last call when `ahead`), its body written
        by the worker in one call. Returns once the body is in the file, the chunk verdicts
        still to come (and their settling) added to `pending`, with the next run (an `_Ahead`)
        whose request was opened during the last AHEAD_BYTES of this one, or None."""
        session, manifest = fd.session, fd.manifest
        pos, end = run[0][0], run[-1][1]
        conn = await ahead.ready() if ahead else _Connection(end)
        attempt, at, got, nxt, reading = 0, pos, 0, None, True

        def on_progress(report):    # also called for verdicts after this returned
            nonlocal got, nxt
            if n := int(report.n):
                self.got(n)
                got += n
            for start, stop, ok in report.chunks.to_py():
                pending.append(asyncio.ensure_future(
                    self.settle(fd, int(start), int(stop), bool(ok), runs)))
            if (error := js_get(report, "error")) is not None:
                failed = asyncio.get_event_loop().create_future()
                failed.set_exception(fd.fail(f"a chunk could not be checked ({error})"))
                pending.append(failed)
            ahead_at = min(self.AHEAD_BYTES, (end - run[0][0]) // 2)
            if reading and nxt is None and end - (at + got) <= ahead_at and len(runs):
                nxt = _Ahead(runs.next(), fd, self)

        try:
            while pos < end:
                before = pos
                try:
                    if conn.request is None:
                        await fd.open_range(self, conn, pos)
                    chunks = [(s, e, manifest.expected(s, e) if manifest else None)
                              for s, e in run if e > pos]
                    at, got = pos, 0
                    answer, last = self.sink.run(conn.request.req, pos, end, chunks, on_progress,
                                                 fd.owner.retry.stall)
                    pending.append(last)
                    try:
                        result = await answer
                    except WorkerError as exc:      # the request was aborted meanwhile
                        raise session.translate(exc) from None
                    pos += int(result.n)
                    if (error := js_get(result, "error")) is not None:
                        named = _NamedError(str(error.name), str(error.message))
                        if str(error.where) == "store":
                            raise store_error(named, fd.key, "OPFS")
                        raise session.translate(named)
                    if result.overflow:
                        raise _Retry("the server sent more bytes than asked")
                    if pos < end:
                        raise _Retry("the connection ended early (truncated body)")
                except _Retry as exc:
                    conn.close(session)
                    attempt = 0 if pos > before else attempt + 1
                    if attempt:               # no progress at all: back off before trying again
                        await fd.retry_pause(attempt, str(exc))
            session.check()
        except BaseException:
            reading = False
            if nxt is not None:
                await nxt.drop(session)
            raise
        finally:
            reading = False       # a run taken now would be nobody's
            conn.close(session)
        return nxt

    async def settle(self, fd, start, end, ok, runs):
        """One chunk's verdict from the worker: bad -> handed out again alone; good (or no
        manifest) -> marked written and recorded."""
        if fd.manifest is not None:
            if not ok:
                fd.chunk_failed(start, end)
                runs.again((start, end))
                return
            fd.chunk_passed(start, end)
        self.sink.written(start, end)
        await fd.recorder.done(start, end)

    async def verify_stored(self, partial, spans):
        oks = await self.sink.verify(spans)
        return [(s, e) for (s, e, _), ok in zip(spans, oks) if not ok]

    def close(self):
        pass


class _Ahead:
    """A run whose request is being opened before the run in front of it has ended."""

    def __init__(self, run, fd, lane):
        self.run = run
        self.conn = _Connection(run[-1][1])
        self.task = asyncio.ensure_future(self._open(fd, lane))

    async def _open(self, fd, lane):
        try:
            await fd.open_range(lane, self.conn, self.run[0][0])
        except _Retry:
            pass            # opened again, with backoff, when the run's turn comes

    async def ready(self):
        """-> the run's _Connection (its request None when opening it must be tried again)."""
        await self.task
        return self.conn

    async def drop(self, session):
        """Not needed after all (the download is ending): abort it."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        self.conn.close(session)


class _WorkerRequest:
    """One ranged GET made by the store's worker; `abort()` like an AbortController's."""

    def __init__(self, sink):
        self.sink, self.req = sink, sink.new_request()

    def abort(self):
        self.sink.abort(self.req)


class _Answer:
    """The status and headers the worker saw, shaped like a Response for the checks."""

    def __init__(self, answer):
        self.status = int(answer.status)
        self.headers = {name: value for name, value in (
            ("ETag", answer.etag), ("Last-Modified", answer.lastModified),
            ("Content-Range", answer.contentRange), ("Content-Length", answer.contentLength))
            if isinstance(value, str)}


class _NamedError(Exception):
    """A JS error reported by a worker, with its DOMException name kept."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


async def _read_or_stall(reader, stall):
    """One read of a body reader; a body that sends nothing for `stall` seconds is cancelled
    (-> _Retry). Not `wait_for`: see Session.sleep."""
    read = asyncio.ensure_future(reader.read())
    finished, _ = await asyncio.wait([read], timeout=stall)
    if not finished:
        reader.cancel()
        read.cancel()
        raise _Retry(f"no bytes for {stall:g} s")
    return read.result()


def _inside(done, start, end):
    return any(s <= start and end <= e for s, e in done)


def _raise_failed(pending):
    """Raise the first failure among the done futures of `pending` (a chunk that failed too
    often), and forget the done ones."""
    for future in pending:
        if future.done() and not future.cancelled() and future.exception() is not None:
            raise future.exception()
    pending[:] = [f for f in pending if not f.done()]


async def _settle_all(pending):
    """Wait for every future of `pending`, including those added meanwhile (verdicts that
    arrive before their call's last message), whatever happens; errors are dropped (the
    failure being raised is the one to report). Not gather: cancelled (a sibling failed), it
    would cancel them too, and checked chunks would go unrecorded (re-fetched on resume)."""
    while pending:
        batch = pending[:]
        del pending[:]
        await asyncio.wait(batch)


async def run_all(coros):
    """Run concurrently; on the first failure cancel the rest (and wait for them), then raise."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    if not tasks:
        return []
    try:
        finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in finished:
            if task.exception() is not None:
                raise task.exception()
        return [t.result() for t in tasks]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class ModelDownload:
    """Every file of one catalog model into one store. `await run()`; `cancel()` from anywhere.

    `on_progress(Progress)` is called on every state change and at most every
    `progress_interval` seconds while bytes arrive.
    """

    def __init__(self, model, store, *, chunk_size=plan.DEFAULT_CHUNK_SIZE,
                 parallel=plan.DEFAULT_PARALLEL, retry=None, on_progress=None,
                 progress_interval=0.1, log=None):
        if chunk_size <= 0 or parallel <= 0:
            raise ValueError("chunk_size and parallel must be positive")
        self.model, self.store = model, store
        self.chunk_size, self.parallel = int(chunk_size), int(parallel)
        self.retry = retry or plan.RetryPolicy()
        self.on_progress = on_progress
        self.progress_interval = progress_interval
        self.session = Session(self.parallel)
        self.tracker = Tracker(model.id, model.files)
        self._last_emit = 0.0
        self._log = log

    @property
    def progress(self):
        return self.tracker.snapshot()

    def log(self, text):
        if self._log:
            self._log(text)

    def emit(self, throttle=False):
        if not self.on_progress:
            return
        now = js.performance.now() / 1000
        if throttle and now - self._last_emit < self.progress_interval:
            return
        self._last_emit = now
        try:
            self.on_progress(self.tracker.snapshot())
        except Exception as exc:  # a broken listener must not break the download
            self.log(f"progress listener failed: {exc!r}")

    def cancel(self):
        """Abort every request now; completed chunks stay for a resume."""
        self.session.cancel()

    async def run(self):
        """-> [EntryInfo] of the complete, verified files."""
        self.tracker.state = CHECKING
        self.emit()
        try:
            files = [FileDownload(self, f, self.model.key(f)) for f in self.model.files]
            self.tracker.state = DOWNLOADING
            results = await run_all([f.run() for f in files])
        except Cancelled:
            self._finish(CANCELLED)
            raise
        except asyncio.CancelledError:
            self.session.cancel()
            self._finish(CANCELLED)
            raise
        except DownloadError as exc:
            self._finish(FAILED, str(exc))
            raise
        except StoreError as exc:
            self._finish(FAILED, str(exc))
            raise DownloadError(str(exc)) from exc
        except Exception as exc:
            self._finish(FAILED, f"unexpected error: {exc!r}")
            raise DownloadError(f"unexpected error: {exc!r}") from exc
        finally:
            # However it ended, no request of this download stays open: a body nobody reads
            # would hold one of the browser's 6 connections to the host (the next download
            # would queue behind it).
            self.session.abort_all()
        self._finish(DONE)
        return results

    def _finish(self, state, error=None):
        self.tracker.state = state
        self.tracker.error = error
        for f in self.tracker.files.values():
            if f.state not in (DONE, FAILED):
                f.state = state
        self.emit()
