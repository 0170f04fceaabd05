"""Developer tooling behind build.py: vendoring, the dev server, browser helpers, benchmarks.

Runs in the machine's CPython only; nothing here is shipped to the browser.
"""
