"""The one source of truth for models on screen: what each store holds, what is downloading,
and what the engine has loaded (or is loading, or failed to load).

Pure Python (no browser), observable: whoever changes something publishes it here (the
stores through `app.models_sync`, the download manager, `app.engines.active`), and every
panel subscribes and re-renders from it alone, so two panels can never disagree.

    from app.models_state import models, STORED, DOWNLOADS, ENGINE
    unsubscribe = models.subscribe(lambda topic: render(), STORED, ENGINE)
    models.status(model, "opfs")      # "stored" | "downloading" | "partial" | "absent" | ...
"""
from dataclasses import dataclass, field

from app.download.catalog import store_key
from app.download.progress import FINAL

# The topics a panel can follow
STORED, DOWNLOADS, ENGINE, DEFAULT = "stored", "downloads", "engine", "default"

# Engine states
IDLE, LOADING, LOADED, FAILED = "idle", "loading", "loaded", "failed"


@dataclass
class Listing:
    """What one store holds: complete entries, resumable partials and damaged entries (never
    usable, listed so their space can be freed) by key (EntryInfo), or the error that kept it
    from being read. `read` is False until the store has been read once."""
    entries: dict = field(default_factory=dict)
    partials: dict = field(default_factory=dict)
    error: str | None = None
    read: bool = False
    damaged: dict = field(default_factory=dict)


@dataclass
class Transfer:
    """A download into a store: its latest Progress, the error it ended with, and whether it
    runs in another tab (its progress arrives over a BroadcastChannel)."""
    progress: object                 # app.download.progress.Progress
    error: str | None = None
    remote: bool = False

    @property
    def active(self):
        return self.progress.state not in FINAL


@dataclass
class EngineState:
    status: str = IDLE
    model: dict | None = None        # the catalog entry being loaded or loaded
    store: str | None = None         # the kind of the store it was loaded from
    info: object = None              # app.engines.base.EngineInfo once loaded
    fraction: float = 0.0            # loading progress 0..1 and what is happening
    text: str = ""
    error: str | None = None

    @property
    def model_name(self):
        if not self.model:
            return None
        return self.model.get("name") or self.model.get("id")


def model_keys(model):
    """The store keys of a model, a catalog Model or its dict (`as_dict()`)."""
    if isinstance(model, dict):
        return [store_key(model["id"], f["name"]) for f in model.get("files", [])]
    return [model.key(f) for f in model.files]


def _model_id(model):
    return model["id"] if isinstance(model, dict) else model.id


class ModelsState:
    def __init__(self):
        self.listings = {}           # store kind -> Listing
        self.transfers = {}          # (store kind, model id) -> Transfer
        self.engine = EngineState()
        self.default_store = None    # the kind new models are saved in (None: not read yet)
        self._listeners = []

    # -- observing -------------------------------------------------------------------------
    def subscribe(self, callback, *topics):
        """callback(topic) after every change of one of `topics` (all when none given);
        returns the function that unsubscribes."""
        entry = (callback, frozenset(topics))
        self._listeners.append(entry)
        return lambda: self._listeners.remove(entry) if entry in self._listeners else None

    def _publish(self, topic):
        for callback, topics in list(self._listeners):
            if not topics or topic in topics:
                try:
                    callback(topic)
                except Exception as exc:  # noqa: BLE001 - one broken panel must not stop the others
                    import traceback
                    traceback.print_exception(exc)

    # -- what the stores hold --------------------------------------------------------------
    def set_listing(self, kind, entries=(), partials=(), error=None, damaged=()):
        """The store `kind` was read: its complete, partial and damaged entries ([EntryInfo]),
        or the error message it failed with (its last good listing is then kept)."""
        old = self.listings.get(kind, Listing())
        if error is not None:
            self.listings[kind] = Listing(old.entries, old.partials, error, True, old.damaged)
        else:
            self.listings[kind] = Listing({e.key: e for e in entries},
                                          {p.key: p for p in partials}, None, True,
                                          {d.key: d for d in damaged})
        self._publish(STORED)

    def listing(self, kind):
        return self.listings.get(kind, Listing())

    def holds(self, kind, model):
        """True when store `kind` holds every file of `model`, complete and usable."""
        entries = self.listing(kind).entries
        keys = model_keys(model)
        return bool(keys) and all(k in entries for k in keys)

    def stores_holding(self, model):
        return [kind for kind in self.listings if self.holds(kind, model)]

    def set_default_store(self, kind):
        if kind != self.default_store:
            self.default_store = kind
            self._publish(DEFAULT)

    # -- downloads ----------------------------------------------------------------------------
    def set_progress(self, kind, progress, error=None, remote=False):
        """A download of `progress.model_id` into store `kind` moved on (or ended). A remote
        snapshot never overrides this tab's own download while it runs."""
        key = (kind, progress.model_id)
        current = self.transfers.get(key)
        if remote and current is not None and not current.remote and current.active:
            return
        self.transfers[key] = Transfer(progress, error, remote)
        self._publish(DOWNLOADS)

    def transfer(self, kind, model):
        return self.transfers.get((kind, _model_id(model)))

    def downloading(self, kind):
        """[Transfer] still running into store `kind`."""
        return [t for (k, _id), t in self.transfers.items() if k == kind and t.active]

    # -- one model in one store, as every panel words it -----------------------------------
    def status(self, model, kind):
        """"downloading" | "stored" | "damaged" | "partial" | "absent", or "unknown" before the
        store was read, or "error" when it could not be read."""
        transfer = self.transfer(kind, model)
        if transfer is not None and transfer.active:
            return "downloading"
        listing = self.listing(kind)
        if not listing.read:
            return "unknown"
        keys = model_keys(model)
        if listing.error is not None and not listing.entries:
            return "error"
        if keys and all(k in listing.entries for k in keys):
            return "stored"
        if any(k in listing.damaged for k in keys):
            return "damaged"
        if any(k in listing.partials for k in keys):
            return "partial"
        return "absent"

    # -- the engine -------------------------------------------------------------------------
    def engine_loading(self, model=None, store=None, fraction=0.0, text=""):
        e = self.engine
        if e.status != LOADING:
            e = EngineState(LOADING)
        if model is not None:
            e.model = model
        if store is not None:
            e.store = store
        e.fraction = max(0.0, min(1.0, float(fraction)))
        e.text = text
        self.engine = e
        self._publish(ENGINE)

    def engine_loaded(self, model, store, info):
        self.engine = EngineState(LOADED, model, store, info, 1.0)
        self._publish(ENGINE)

    def engine_failed(self, error, loaded=None):
        """Loading failed with `error`. `loaded`: (model, store, info) of what the engine still
        holds (a failed copy leaves the previous model loaded), or None."""
        if loaded is not None:
            self.engine = EngineState(LOADED, *loaded, 1.0, error=str(error))
        else:
            self.engine = EngineState(FAILED, self.engine.model, error=str(error))
        self._publish(ENGINE)

    def engine_unloaded(self):
        self.engine = EngineState()
        self._publish(ENGINE)

    def loaded_keys(self):
        """{(store kind, key)} of the files of the loaded model (the storage panel marks them)."""
        e = self.engine
        if e.status != LOADED or not e.model:
            return set()
        return {(e.store, k) for k in model_keys(e.model)}

    def loaded_from(self):
        """(model id, store kind) of the loaded model, or None (what the downloads rows mark
        "In use"; it changes on a load or unload, not on a loading progress tick)."""
        e = self.engine
        return (_model_id(e.model), e.store) if e.status == LOADED and e.model else None

    def loaded_still_stored(self):
        """Whether the loaded model is still in the store it was loaded from (it stays
        loaded in memory when deleted there)."""
        e = self.engine
        return e.status == LOADED and e.model is not None and self.holds(e.store, e.model)


models = ModelsState()     # the app's one instance
