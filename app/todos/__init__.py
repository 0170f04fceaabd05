"""The to-do list: the model and its stored format (model.py), facts computed by code
(facts.py), fuzzy title matching (match.py), the list with its persistence (todolist.py)
and the IndexedDB store behind it (idb.py, browser only).

Everything but idb.py is pure Python and imports in CPython for unit tests.
"""
