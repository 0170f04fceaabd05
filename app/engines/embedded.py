"""The embedded default model: find it in our stores, or copy it into the default store
from the copy that ships with the app (built and sha256-checked by build.py, served by our
own origin). The copy is an ordinary download, so it gets what every download gets:
sha256-verified before the entry is committed, resumable, one tab at a time, progress.
Engines then load it from the store, after a check of the stored chunks against the
model's chunk manifest (a corrupt chunk is fetched again, not a reason to fail the model).
"""
from app.download.catalog import load_catalog
from app.engines.base import EngineError

COPY_SHARE = 0.9    # of the panel's progress bar: the engine's own load reports after it


async def find(model, stores):
    """The first store holding every file of `model` (a catalog Model), or None."""
    for store in stores:
        if all([await store.exists(model.key(f)) for f in model.files]):
            return store
    return None


async def copy_bundled(model, store, on_progress=None):
    """Download the bundled files of `model` (a catalog Model) from our origin into `store`."""
    from app.download.fetcher import DownloadError
    from app.download.manager import Download

    text = f"Copying the model into {store.label}"

    def report(progress):
        if on_progress:
            on_progress(progress.fraction * COPY_SHARE, text)

    try:
        await Download(model, store, on_progress=report).start().task
    except DownloadError as exc:
        raise EngineError(f"The bundled model file could not be copied into {store.label}: {exc}") from exc


async def check_stored(model, store, on_progress=None):
    """Before a load: a stored model whose files have chunk manifests is checked chunk by
    chunk (native sha256, one read), and a corrupt chunk is fetched again from our origin
    instead of failing the model. The same Download as a copy: with nothing wrong it makes
    one request (the manifest) and stores nothing."""
    from app.download.fetcher import DownloadError
    from app.download.manager import Download

    if store.read_only or not any(f.chunks for f in model.files):
        return

    def report(progress):
        if on_progress:
            on_progress(progress.fraction * COPY_SHARE, f"Checking the model in {store.label}")

    try:
        await Download(model, store, on_progress=report).start().task
    except DownloadError as exc:
        raise EngineError(f"The stored model in {store.label} is damaged and could not be "
                          f"repaired: {exc}") from exc


async def locate_embedded(on_progress=None, stores=None, target=None):
    """(catalog entry as a dict, Store holding it) for the embedded default model."""
    from app.storage.registry import all_stores, default_store
    model = (await load_catalog()).default_model()
    store = await find(model, stores if stores is not None else all_stores())
    if store is None:
        store = target or await default_store()
        await copy_bundled(model, store, on_progress)
    else:
        await check_stored(model, store, on_progress)
    return model.as_dict(), store
