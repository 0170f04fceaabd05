// Reads one fetch body into a caller's buffer in a JS loop, so Python awaits once per body
// instead of once per network read. A BYOB reader fills one small scratch buffer over and over
// (no per-read garbage); a read that fails loses only the scratch, so what was copied into
// state.buf stays and the caller continues from state.pos.
// state: {buf: Uint8Array, pos, overflow}; bytes go to buf[pos..limit).
const SCRATCH = 256 * 1024;

export async function readInto(body, state, limit, onBytes) {
  let reader, scratch = null;
  try {
    reader = body.getReader({ mode: "byob" });
    scratch = new ArrayBuffer(SCRATCH);
  } catch {
    reader = body.getReader();
  }
  let pending = 0;
  try {
    for (;;) {
      const { done, value } = await (scratch ? reader.read(new Uint8Array(scratch)) : reader.read());
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
    if (pending) onBytes(pending);
  }
}
