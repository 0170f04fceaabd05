"""App icons as PNGs, drawn by code (no image library needed): a check mark on the theme colour.

"any" icons have rounded corners; the maskable one is full-bleed with the mark inside the
80% safe zone, as the maskable-icon spec asks.
"""
import struct
import zlib

THEME = (0x1F, 0x6F, 0x5C)
WHITE = (0xFF, 0xFF, 0xFF)
# The check mark as two segments in unit coordinates (0..1), and its half-width.
CHECK = (((0.27, 0.52), (0.43, 0.68)), ((0.43, 0.68), (0.74, 0.33)))
STROKE = 0.055


def _dist(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def _pixel(u, v, maskable):
    if maskable:   # shrink the mark into the safe zone
        u, v = 0.5 + (u - 0.5) / 0.8, 0.5 + (v - 0.5) / 0.8
    else:          # rounded square: transparent outside the corner radius
        r = 0.22
        cu, cv = min(max(u, r), 1 - r), min(max(v, r), 1 - r)
        if (u - cu) ** 2 + (v - cv) ** 2 > r * r:
            return (0, 0, 0, 0)
    if min(_dist(u, v, *seg) for seg in CHECK) < STROKE:
        return (*WHITE, 255)
    return (*THEME, 255)


def png(size, maskable=False):
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(_pixel((x + 0.5) / size, (y + 0.5) / size, maskable))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)   # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False),
         "icon-maskable-512.png": (512, True)}


def write_icons(folder, cache):
    """Draw once into the build cache; later builds copy."""
    folder.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        cached = cache / name
        if not cached.exists():
            cached.write_bytes(png(size, maskable))
        (folder / name).write_bytes(cached.read_bytes())
