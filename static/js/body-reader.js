// Reads one fetch body into a caller's buffer in a JS loop, so Python awaits once per body
// instead of once per network read. A BYOB reader fills one small scratch buffer over and over
// (no per-read garbage); a read that fails loses only the scratch, so what was copied into
// state.buf stays and the caller continues from state.pos.
// state: {buf: Uint8Array, pos, overflow}; bytes go to buf[pos..limit).
const SCRATCH = 256 * 1024;

// `stallMs` > 0: a body that sends nothing for that long is cancelled and the read fails
// with a TimeoutError (the caller retries from state.pos).
export async function readInto(body, state, limit, onBytes, stallMs = 0) {
  let reader, scratch = null;
  try {
    reader = body.getReader({ mode: "byob" });
    scratch = new ArrayBuffer(SCRATCH);
  } catch {
    reader = body.getReader();
  }
  let pending = 0, last = performance.now(), stalled = false;
  const timer = stallMs > 0 ? setInterval(() => {
    if (performance.now() - last < stallMs) return;
    stalled = true;
    clearInterval(timer);
    reader.cancel().catch(() => {});
  }, Math.min(1000, stallMs)) : null;
  try {
    for (;;) {
      const { done, value } = await (scratch ? reader.read(new Uint8Array(scratch)) : reader.read());
      last = performance.now();
      if (stalled) throw new DOMException(`no bytes for ${Math.round(stallMs / 1000)} s`, "TimeoutError");
      if (scratch && value) scratch = value.buffer;   // the read moved it: keep the live one
      if (done) return;
      if (state.pos + value.length > limit) {
        state.overflow = true;
        await reader.cancel();
        return;
      }
      state.buf.set(value, state.pos);
      state.pos += value.length;
      pending += value.length;
      if (pending >= 1 << 20) { onBytes(pending); pending = 0; }
    }
  } finally {
    clearInterval(timer);
    if (pending) onBytes(pending);
  }
}
