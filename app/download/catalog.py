"""models/catalog.json: which models exist and which files make each one.

Format 1: {"format": 1, "default": id, "models": [model, ...]}; a model has "id", "name",
"engine" and "files": [{"name", "url", "size"?, "sha256"?, "chunks"?, "adapter"?}, ...] (size and
sha256 where known), plus optional fields other parts use ("license", "embedded", ...), kept as
they are. "chunks": {"url", "sha256"} names the file's chunk manifest (app/download/manifest.py)
by the manifest's own sha256, so a download can check every chunk as it arrives.
"adapter": "gpu" | "software" marks a file only that kind of WebGPU adapter uses (a web-llm
model library compiled for real GPUs, or for CPU-emulated adapters such as SwiftShader);
`load_catalog()` keeps, of those, the ones for this browser's adapter, so the downloader, the
stored-state checks and the engines only ever see those.
The one reader of the catalog: the downloader, the engines and the UI all use it.
Pure Python: parsing and validation import in CPython.
"""
import json
import re
from dataclasses import dataclass, field

SHA256 = re.compile(r"^[0-9a-f]{64}$")
ADAPTERS = ("gpu", "software")      # app/engines/hardware.py adapter_kind()


def store_key(model_id, file_name):
    """The store key of a model's file: "<model id>/<file name>" (app/storage/base.py)."""
    return f"{model_id}/{file_name}"


class CatalogError(ValueError):
    """The catalog is malformed; str() says where."""


@dataclass(frozen=True)
class ChunksRef:
    """Where a file's chunk manifest is, and the sha256 of the manifest's bytes."""
    url: str
    sha256: str


@dataclass(frozen=True)
class ModelFile:
    name: str
    url: str
    size: int | None = None
    sha256: str | None = None
    chunks: ChunksRef | None = None
    adapter: str | None = None       # None: every adapter; else one of ADAPTERS

    def as_dict(self):
        return {**vars(self), "chunks": dict(vars(self.chunks)) if self.chunks else None}


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    files: tuple
    engine: str = ""
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def size(self):
        """Total bytes, or None when some file's size is unknown until the server says."""
        sizes = [f.size for f in self.files]
        return None if None in sizes else sum(sizes)

    @property
    def downloadable(self):
        """False for user-supplied models whose URL the catalog cannot know."""
        return all(f.url for f in self.files)

    def key(self, file):
        """The store key of one of this model's files."""
        return store_key(self.id, file.name)

    def as_dict(self):
        """The catalog entry as a dict (what Engine.load() takes)."""
        return {**self.extra, "id": self.id, "name": self.name, "engine": self.engine,
                "files": [f.as_dict() for f in self.files]}

    def for_adapter(self, kind):
        """This model with only the files an adapter of `kind` uses."""
        files = tuple(f for f in self.files if f.adapter in (None, kind))
        return self if len(files) == len(self.files) else \
            Model(self.id, self.name, files, self.engine, self.extra)


def parse_file(raw, where, url_optional=False):
    """A file entry. `url_optional`: the model is user-supplied (its URL or file comes from
    the user, e.g. Gemma behind a license click-through), so the catalog may not have one."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: a file must be an object")
    name, url = raw.get("name"), raw.get("url")
    if not name or not isinstance(name, str) or "/" in name or name in (".", ".."):
        raise CatalogError(f"{where}: 'name' must be a plain file name, got {name!r}")
    if url is None and url_optional:
        pass
    elif not url or not isinstance(url, str):
        raise CatalogError(f"{where}: 'url' is missing")
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise CatalogError(f"{where}: 'size' must be a byte count, got {size!r}")
    sha = raw.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not SHA256.match(sha.lower())):
        raise CatalogError(f"{where}: 'sha256' must be 64 hex digits, got {sha!r}")
    adapter = raw.get("adapter")
    if adapter is not None and adapter not in ADAPTERS:
        raise CatalogError(f"{where}: 'adapter' must be one of {', '.join(ADAPTERS)}, "
                           f"got {adapter!r}")
    return ModelFile(name, url, size, sha.lower() if sha else None,
                     parse_chunks_ref(raw.get("chunks"), where), adapter)


def parse_chunks_ref(raw, where):
    """The optional "chunks" of a file entry -> ChunksRef or None."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: 'chunks' must be an object with 'url' and 'sha256'")
    url, sha = raw.get("url"), raw.get("sha256")
    if not url or not isinstance(url, str):
        raise CatalogError(f"{where}: 'chunks' needs the manifest's 'url'")
    if not isinstance(sha, str) or not SHA256.match(sha.lower()):
        raise CatalogError(f"{where}: 'chunks' needs the manifest's 'sha256' (64 hex digits), "
                           f"got {sha!r}")
    return ChunksRef(url, sha.lower())


def parse_model(raw, where):
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: a model must be an object")
    model_id = raw.get("id")
    if not model_id or not isinstance(model_id, str) or "/" in model_id:
        raise CatalogError(f"{where}: 'id' must be a non-empty string without '/'")
    files = raw.get("files")
    if not isinstance(files, list) or not files:
        raise CatalogError(f"{where} ({model_id}): 'files' must be a non-empty list")
    user_supplied = bool(raw.get("user_supplied"))
    parsed = tuple(parse_file(f, f"{where} ({model_id}) file {i}", url_optional=user_supplied)
                   for i, f in enumerate(files))
    names = [f.name for f in parsed]
    if len(set(names)) != len(names):
        raise CatalogError(f"{where} ({model_id}): file names repeat")
    extra = {k: v for k, v in raw.items() if k not in ("id", "name", "engine", "files")}
    return Model(model_id, str(raw.get("name") or model_id), parsed, str(raw.get("engine") or ""), extra)


@dataclass(frozen=True)
class Catalog:
    models: tuple
    default: str | None = None

    def get(self, model_id):
        for m in self.models:
            if m.id == model_id:
                return m
        raise KeyError(f"no model {model_id!r} in the catalog")

    def default_model(self):
        """The model the app offers first (the embedded one)."""
        if self.default is None:
            raise CatalogError("catalog: no default model")
        return self.get(self.default)

    @property
    def adapter_specific(self):
        """Whether some file is for one kind of adapter only."""
        return any(f.adapter for m in self.models for f in m.files)

    def for_adapter(self, kind):
        """The catalog as an adapter of `kind` ("gpu" or "software") sees it."""
        if kind not in ADAPTERS:
            raise ValueError(f"unknown adapter kind {kind!r}")
        return Catalog(tuple(m.for_adapter(kind) for m in self.models), self.default)


def parse_catalog(data):
    """dict or JSON text -> Catalog; raises CatalogError with the place of the problem."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise CatalogError(f"catalog is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != 1:
        raise CatalogError("catalog must be an object with \"format\": 1")
    models = data.get("models")
    if not isinstance(models, list):
        raise CatalogError("catalog: 'models' must be a list")
    parsed = tuple(parse_model(m, f"models[{i}]") for i, m in enumerate(models))
    ids = [m.id for m in parsed]
    if len(set(ids)) != len(ids):
        raise CatalogError("catalog: model ids repeat")
    default = data.get("default")
    if default is not None and default not in ids:
        raise CatalogError(f"catalog: default {default!r} is not a model in it")
    return Catalog(parsed, default)


CATALOG_URL = "models/catalog.json"


async def load_catalog(url=CATALOG_URL, adapter=None):
    """Fetch and parse the catalog in the browser (relative to the page), as this browser's
    WebGPU adapter sees it (`adapter`: "gpu" or "software" to override the probe)."""
    from app.compat import js
    response = await js.fetch(url, _no_cache())
    if not response.ok:
        raise CatalogError(f"could not load {url} (HTTP {response.status})")
    catalog = parse_catalog(await response.text())
    if catalog.adapter_specific or adapter is not None:
        if adapter is None:
            from app.engines import hardware
            adapter = hardware.adapter_kind(await hardware.probe())
        catalog = catalog.for_adapter(adapter)
    return catalog


def _no_cache():
    from app.compat import to_js_object
    return to_js_object({"cache": "no-cache"})
