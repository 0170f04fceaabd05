"""The assistant: commands and list questions understood by code (commands.py, answers.py),
the grounded system prompt and context trimming (prompt.py), and the conversation that ties
them to the to-do list and an engine (assistant.py). All pure Python, testable in CPython."""
