"""The fault server's new faults, over real HTTP from CPython: a corrupt byte of a chunk, a
stale chunk manifest, and a bandwidth cap on the whole link (not per connection)."""
import threading
import time
import urllib.request

import pytest

from tools import faultserver

SIZE = 1 << 20


@pytest.fixture
def served(tmp_path):
    site, files = tmp_path / "site", tmp_path / "files"
    site.mkdir()
    files.mkdir()
    data = bytes(range(256)) * (SIZE // 256)
    (files / "f.bin").write_bytes(data)
    (files / "f.bin.chunks.json").write_bytes(b'{"fresh": true}')
    server, base, state = faultserver.start(site, files)
    yield base, state, data
    server.shutdown()
    server.server_close()


def get(url, range_=None):
    request = urllib.request.Request(url, headers={"Range": range_} if range_ else {})
    with urllib.request.urlopen(request) as response:
        return response.read()


def test_corrupts_byte_n_of_chunk_k_in_that_many_responses(served):
    base, state, data = served
    state.corrupt_chunk(3, 10, 65536, times=2)
    at = 3 * 65536 + 10
    for _ in range(2):
        body = get(base + "/files/f.bin", f"bytes={3 * 65536}-{4 * 65536 - 1}")
        assert body[10] == data[at] ^ 0xFF and body[:10] + body[11:] == data[3 * 65536:at] + data[at + 1:4 * 65536]
    assert get(base + "/files/f.bin") == data                     # the third one is right
    assert get(base + "/files/f.bin", "bytes=0-99") == data[:100]   # other ranges never were
    assert state.stats.corrupted == 2


def test_serves_a_stale_manifest_and_does_not_count_manifests_as_file_bytes(served):
    base, state, data = served
    assert get(base + "/files/f.bin.chunks.json") == b'{"fresh": true}'
    state.set(stale_manifest=b'{"stale": true}')
    assert get(base + "/files/f.bin.chunks.json") == b'{"stale": true}'
    assert get(base + "/files/f.bin", "bytes=0-9") == data[:10]
    assert state.wait_idle()         # the counter moves just after the bytes leave
    assert state.stats.bytes_sent == 10


def test_link_cap_is_shared_by_every_connection(served):
    base, state, data = served
    rate = 4 << 20                                                # 4 MiB/s in total
    state.reset(link_bandwidth=rate)
    t0 = time.monotonic()
    get(base + "/files/f.bin")
    one = time.monotonic() - t0
    threads = [threading.Thread(target=get, args=(base + "/files/f.bin",)) for _ in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    four = time.monotonic() - t0
    # Lower bounds only (a loaded machine can only make them slower): 1 MiB at 4 MiB/s takes
    # 0.25 s; four connections share the cap, so 4 MiB takes 1 s (a per-connection cap: 0.25 s);
    # less the link's burst allowance.
    burst = faultserver.LINK_BURST
    assert one >= 0.25 - burst - 0.01
    assert four >= 1.0 - burst - 0.01
