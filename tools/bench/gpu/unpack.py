#!/usr/bin/env python3
"""On the device: move arrived parts ($PACK/partsK/partK, PACK default .device) to $W/parts,
check them, and extract every item they now cover whole (.tar.xz into $W, raw files to
$W/DEST)."""
import glob, hashlib, json, os, shutil, sys, tarfile
W = os.environ.get("W", "/tmp/w"); HERE = os.environ.get("PACK", ".device")
man = json.load(open(os.path.join(HERE, "manifest.json")))
os.makedirs(os.path.join(W, "parts"), exist_ok=True)
for p in glob.glob(os.path.join(HERE, "parts*", "part*")):
    shutil.copy(p, os.path.join(W, "parts", os.path.basename(p)))
have = []
for p in man["parts"]:
    path = os.path.join(W, "parts", p["name"])
    if os.path.exists(path) and os.path.getsize(path) == p["size"]:
        h = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if h != p["sha256"]: sys.exit(f"{p['name']} BAD sha256")
        have.append(p)
print("parts here:", [p["name"] for p in have])
class Stream:
    def __init__(self, it): self.pos, self.end, self.h = it["offset"], it["offset"] + it["size"], hashlib.sha256()
    def read(self, n=-1):
        n = self.end - self.pos if n is None or n < 0 else min(n, self.end - self.pos)
        out = b""
        while n > 0:
            p = next(p for p in have if p["offset"] <= self.pos < p["offset"] + p["size"])
            with open(os.path.join(W, "parts", p["name"]), "rb") as f:
                f.seek(self.pos - p["offset"]); b = f.read(min(n, p["offset"] + p["size"] - self.pos))
            out += b; self.pos += len(b); n -= len(b)
        self.h.update(out); return out
def covered(it):
    pos = it["offset"]
    while pos < it["offset"] + it["size"]:
        p = next((p for p in have if p["offset"] <= pos < p["offset"] + p["size"]), None)
        if p is None: return False
        pos = p["offset"] + p["size"]
    return True
for it in man["items"]:
    done = os.path.join(W, f".done_{it['name']}")
    if os.path.exists(done) or not covered(it): continue
    s = Stream(it)
    if it["src"].endswith(".tar.xz"):
        with tarfile.open(fileobj=s, mode="r|xz") as t: t.extractall(W)
        s.read()
    else:
        dest = os.path.join(W, it["dest"]); os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            while s.pos < s.end: f.write(s.read(1 << 22))
    if s.h.hexdigest() != it["sha256"]: sys.exit(f"item {it['name']} BAD sha256")
    open(done, "w").close(); print("extracted", it["name"], it["src"])
