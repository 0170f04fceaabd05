// Chunks checked against a manifest on this thread's side of the API (app/download/manifest.py);
// the digests are native (crypto.subtle.digest) and run in parallel off the main thread.
// sha256Hex(bytes): one chunk, e.g. a downloaded chunk's buffer before it is stored.
// verifyStream(stream, chunks): a stored file read in order once; chunks = [[start, end, hex]]
// sorted, the ones to check (others are read past) -> [[start, end], ...] that failed.
const IN_FLIGHT = 4;       // digests running at once while the stream is read

export async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

function hex(digest) {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function verifyStream(stream, chunks) {
  const reader = stream.getReader();
  const bad = [], running = new Set();
  let pos = 0, i = 0, buf = null, fill = 0;
  const check = (start, end, want, bytes) => {
    const p = sha256Hex(bytes).then((got) => { if (got !== want) bad.push([start, end]); })
      .finally(() => running.delete(p));
    running.add(p);
  };
  try {
    while (i < chunks.length) {
      const { done, value } = await reader.read();
      if (done) break;
      let off = 0;
      while (off < value.length && i < chunks.length) {
        const [start, end, want] = chunks[i];
        const at = pos + off;
        if (at < start) { off += Math.min(value.length - off, start - at); continue; }
        buf ??= new Uint8Array(end - start);
        const take = Math.min(value.length - off, end - start - fill);
        buf.set(value.subarray(off, off + take), fill);
        fill += take; off += take;
        if (fill === end - start) {
          check(start, end, want, buf);      // digest copies buf: it can be refilled now
          while (running.size >= IN_FLIGHT) await Promise.race(running);
          fill = 0; i += 1;
          if (i < chunks.length && chunks[i][1] - chunks[i][0] !== buf.length) buf = null;
        }
      }
      pos += value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  await Promise.all(running);
  for (; i < chunks.length; i++) bad.push([chunks[i][0], chunks[i][1]]);   // not in the file
  return bad.sort((a, b) => a[0] - b[0]);
}
