"""The model catalog (models/catalog.json) as engines see it: entries and store keys.

A stored file's key is "<model id>/<file name>", the convention of app/storage/base.py.
"""
import json

from app.compat import js

CATALOG_PATH = "models/catalog.json"


def file_key(model, file):
    return f"{model['id']}/{file['name']}"


def files_with_suffix(model, *suffixes):
    return [f for f in model.get("files", []) if f["name"].lower().endswith(suffixes)]


def by_id(catalog, model_id):
    for entry in catalog.get("models", []):
        if entry.get("id") == model_id:
            return entry
    raise KeyError(f"no model {model_id!r} in the catalog")


def default_model(catalog):
    return by_id(catalog, catalog["default"])


async def fetch_catalog(path=CATALOG_PATH):
    """The catalog the site was built with (small JSON; served with no-cache)."""
    response = await js.fetch(path)
    if not response.ok:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return json.loads(await response.text())
