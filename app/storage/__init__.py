"""Model storage from Python: one `Store` interface over Cache API, OPFS, IndexedDB and File
System Access (see base.py for the contract every store keeps)."""
