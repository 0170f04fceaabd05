"""Offline to-do assistant: the Python package that runs in Pyodide.

Pure-logic modules import in plain CPython too (for fast unit tests); anything that needs
the browser imports it through `app.compat`.
"""
__version__ = "0.1.0"
