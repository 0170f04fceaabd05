#!/usr/bin/env python3
"""Concatenate items (tar.xz archives, raw files with a destination under $W) and split them
into N parts for N consecutive device calls: .device/partsK/partK + .device/manifest.json.
usage: pack.py N DEST NAME=SRC[:DEST_REL] ..."""
import hashlib, json, os, sys
n, dest, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
items, off = [], 0
for spec in specs:
    name, rest = spec.split("=", 1)
    src, _, rel = rest.partition(":")
    h = hashlib.sha256()
    with open(src, "rb") as f:
        for b in iter(lambda: f.read(1 << 22), b""): h.update(b)
    size = os.path.getsize(src)
    items.append({"name": name, "src": src, "dest": rel, "offset": off, "size": size, "sha256": h.hexdigest()})
    off += size
total, psize = off, -(-off // n)
parts = []
for k in range(n):
    d = os.path.join(dest, f"parts{k + 1}"); os.makedirs(d, exist_ok=True)
    for old in os.listdir(d): os.remove(os.path.join(d, old))
    start, end = k * psize, min(total, (k + 1) * psize)
    h = hashlib.sha256(); pos = start
    with open(os.path.join(d, f"part{k + 1}"), "wb") as out:
        while pos < end:
            it = next(i for i in items if i["offset"] <= pos < i["offset"] + i["size"])
            with open(it["src"], "rb") as f:
                f.seek(pos - it["offset"])
                b = f.read(min(1 << 22, end - pos, it["offset"] + it["size"] - pos))
            out.write(b); h.update(b); pos += len(b)
    parts.append({"name": f"part{k + 1}", "offset": start, "size": end - start, "sha256": h.hexdigest()})
for it in items: it["src"] = os.path.basename(it["src"])
json.dump({"items": items, "parts": parts, "total": total}, open(os.path.join(dest, "manifest.json"), "w"), indent=1)
print(json.dumps(parts, indent=1))
