// Reads one fetch body into a caller's buffer in a JS loop, so Python awaits once per body
// instead of once per network read. With a BYOB reader the bytes land in the buffer directly
// (no per-read garbage); each read moves the buffer, so the live one is left in state.buf.
// state: {buf: Uint8Array (whole pooled buffer), pos, overflow}; bytes go to buf[pos..limit).
export async function readInto(body, state, limit, onBytes) {
  let reader, byob = true;
  try { reader = body.getReader({ mode: "byob" }); } catch { reader = body.getReader(); byob = false; }
  let pending = 0;
  const report = () => { if (pending) { onBytes(pending); pending = 0; } };
  try {
    for (;;) {
      let result;
      if (byob) {
        if (state.pos >= limit) {      // full: one more read must say "done", else too many bytes
          result = await reader.read(new Uint8Array(1));
          if (!result.done) { state.overflow = true; await reader.cancel(); }
          return;
        }
        result = await reader.read(new Uint8Array(state.buf.buffer, state.pos, limit - state.pos));
        if (result.value) state.buf = new Uint8Array(result.value.buffer);
        if (result.done) return;
      } else {
        result = await reader.read();
        if (result.done) return;
        if (state.pos + result.value.length > limit) { state.overflow = true; await reader.cancel(); return; }
        state.buf.set(result.value, state.pos);
      }
      state.pos += result.value.length;
      pending += result.value.length;
      if (pending >= 1 << 20) report();
    }
  } finally {
    report();
  }
}
