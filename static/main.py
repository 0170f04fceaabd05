# PyScript entry point: everything real lives in the `app` package (unpacked from app-<hash>.zip).
from app.main import start

await start()  # noqa: F704 - top-level await is allowed in PyScript scripts
