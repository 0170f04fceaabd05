"""Model delivery: parallel, resumable, verified Range downloads streamed into any Store.

- `plan`, `progress`, `catalog`: pure logic (CPython-importable).
- `fetcher`: the browser side (JS fetch + AbortController through the FFI).
- `tabs`: one download per model across tabs (Web Locks + BroadcastChannel).
"""
from app.download.catalog import Catalog, CatalogError, Model, ModelFile, parse_catalog  # noqa: F401
from app.download.plan import DEFAULT_CHUNK_SIZE, DEFAULT_PARALLEL, RetryPolicy  # noqa: F401
from app.download.progress import Progress  # noqa: F401
