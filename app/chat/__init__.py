"""The assistant, understood by code and answered by code wherever the list has the answer:
message cleanup (text.py), due-date phrases (dates.py), commands (commands.py) and list
questions (questions.py) as intents (intents.py), tied together by understand.py; which
to-do a query means (resolve.py); replies written from the facts (answers.py); the grounded
prompt (prompt.py) and the check of a model's reply against the facts (check.py); the
conversation (assistant.py). All pure Python, testable in CPython.
"""
