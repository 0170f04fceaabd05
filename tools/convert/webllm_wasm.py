"""What a compiled model library imports, read from the .wasm itself, and the check that it
imports nothing web-llm 0.2.86's runtime does not provide (an unresolved import would only
fail in the browser, as "LinkError", after the whole download).

Pure Python: the import section of a wasm binary (section id 2).
"""

# What web-llm 0.2.86's tvmjs runtime gives a model library (the same 11 as TVM's own build).
PROVIDED = {
    ("env", "TVMFFIWasmSafeCall"), ("env", "TVMFFIWasmFunctionDeleter"),
    ("env", "emscripten_notify_memory_growth"),
    *(("wasi_snapshot_preview1", name) for name in (
        "clock_time_get", "proc_exit", "fd_write", "fd_read", "fd_close", "environ_sizes_get",
        "environ_get", "fd_seek")),
}


class WasmError(ValueError):
    pass


def _leb(data, i):
    value = shift = 0
    while True:
        if i >= len(data):
            raise WasmError("truncated wasm (inside a LEB128 number)")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def imports(data):
    """[(module, name, kind)] of the wasm binary `data` (kind: 0 function, 1 table, 2 memory,
    3 global)."""
    if data[:4] != b"\0asm":
        raise WasmError("not a wasm binary")
    out, i = [], 8
    while i < len(data):
        section, (size, i) = data[i], _leb(data, i + 1)
        end = i + size
        if section == 2:
            count, j = _leb(data, i)
            for _ in range(count):
                n, j = _leb(data, j)
                module = data[j:j + n].decode()
                j += n
                n, j = _leb(data, j)
                name = data[j:j + n].decode()
                j += n
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = _leb(data, j)
                elif kind in (1, 2):
                    if kind == 1:
                        j += 1                  # element type
                    flags = data[j]
                    _, j = _leb(data, j + 1)
                    if flags & 1:
                        _, j = _leb(data, j)
                elif kind == 3:
                    j += 2
                out.append((module, name, kind))
            return out
        i = end
    return out


def check_imports(data):
    missing = sorted({(m, n) for m, n, _ in imports(data)} - PROVIDED)
    if missing:
        raise WasmError("the model library imports what web-llm's runtime does not provide: "
                        + ", ".join(f"{m}.{n}" for m, n in missing))
