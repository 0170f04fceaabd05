// Native sha256 of one chunk, for the OPFS worker (opfs-worker.js): crypto.subtle.digest hashes
// on the calling thread in Chromium (measured: about 5 ms per 5 MiB, all inside the call), so
// there it would stall every download's reads; here it runs beside them.
// {id, buf, length} (buf transferred) -> {id, hex, buf} (buf transferred back for reuse);
// {ready: true} once, when it has started.
onmessage = async ({ data: { id, buf, length } }) => {
  try {
    const digest = await crypto.subtle.digest("SHA-256", buf.subarray(0, length));
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    postMessage({ id, hex, buf }, [buf.buffer]);
  } catch (err) {
    postMessage({ id, error: String(err?.message ?? err), buf }, [buf.buffer]);
  }
};
postMessage({ ready: true });     // the OPFS worker hashes chunks itself until this arrives
