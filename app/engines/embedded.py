"""The embedded default model: find it in our stores, or copy it into the default store
from the copy that ships with the app (built and sha256-checked by build.py, served by our
own origin and kept offline by the service worker). Engines then load it from the store.
"""
from app.compat import js
from app.engines.base import EngineError
from app.engines.catalog import default_model, fetch_catalog, file_key


async def find(model, stores):
    """The first store holding every file of `model`, or None."""
    for store in stores:
        if all([await store.exists(file_key(model, f)) for f in model["files"]]):
            return store
    return None


async def _body_chunks(response, total, report):
    reader, done = response.body.getReader(), 0
    while True:
        result = await reader.read()
        if result.done:
            return
        done += int(result.value.byteLength)
        report(done / total * 0.9)
        yield result.value            # a JS Uint8Array: the bytes stay in JS


async def copy_bundled(model, store, on_progress=None):
    """Stream each bundled file of `model` into `store` (memory stays bounded)."""
    for f in model["files"]:
        response = await js.fetch(f["url"])
        if not response.ok:
            raise EngineError(f"The bundled model file {f['name']} is missing (HTTP {response.status})")

        text = f"Copying the model into {store.label}"
        chunks = _body_chunks(response, int(f["size"]),
                              lambda fraction: on_progress and on_progress(fraction, text))
        await store.write(file_key(model, f), chunks, int(f["size"]),
                          {"sha256": f.get("sha256"), "url": f["url"]})


async def locate_embedded(on_progress=None, stores=None, target=None):
    """(catalog entry, Store holding it) for the embedded default model."""
    from app.storage.registry import all_stores, default_store
    model = default_model(await fetch_catalog())
    store = await find(model, stores if stores is not None else all_stores())
    if store is None:
        store = target or await default_store()
        await copy_bundled(model, store, on_progress)
    return model, store
