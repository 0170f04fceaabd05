// sha256 of a file while it downloads: chunks arrive out of order (transferred, not copied),
// are hashed in file order, and each buffer is sent back once hashed so the downloader reuses it.
// {op: "chunk", at, buf, length} | {op: "digest"} -> {op: "digest", pos, hex}
// {op: "stream", stream} hashes a whole ReadableStream (verifying a resumed file) -> digest.
importScripts("../wasm/hash-wasm@4.13.0/sha256.umd.min.js");
const ready = hashwasm.createSHA256().then((h) => h.init());
const waiting = new Map(); // offset -> {buf, length}
let next = 0;

const ops = {
  chunk(h, { at, buf, length }) {
    waiting.set(at, { buf, length });
    while (waiting.has(next)) {
      const piece = waiting.get(next);
      waiting.delete(next);
      h.update(piece.buf.subarray(0, piece.length));
      next += piece.length;
      postMessage({ op: "free", buf: piece.buf }, [piece.buf.buffer]);
    }
  },
  digest(h) {
    postMessage({ op: "digest", pos: next, hex: h.digest("hex") });
  },
  async stream(h, { stream }) {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      h.update(value);
      next += value.length;
    }
    ops.digest(h);
  },
};

let queue = ready;   // one message at a time, in arrival order
onmessage = ({ data }) => {
  queue = queue.then((h) => Promise.resolve(ops[data.op](h, data)).then(() => h))
    .catch((err) => { postMessage({ op: "error", message: String(err?.message ?? err) }); throw err; });
};
