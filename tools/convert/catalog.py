"""The converters' one way to record what they built in models/catalog.json."""
import json
import os


def write_entry(catalog_path, entry):
    """Put `entry` into the catalog at `catalog_path` (replacing one with its id, in place),
    validated by the app's own parser, written atomically."""
    from app.download.catalog import parse_catalog
    data = json.loads(catalog_path.read_text())
    models = [m for m in data["models"] if m["id"] != entry["id"]]
    at = next((i for i, m in enumerate(data["models"]) if m["id"] == entry["id"]), len(models))
    models.insert(at, entry)
    data["models"] = models
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    parse_catalog(text)
    tmp = catalog_path.with_name(catalog_path.name + ".partial")
    tmp.write_text(text)
    os.replace(tmp, catalog_path)
