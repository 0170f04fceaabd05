"""Commands and list questions are understood by code."""
import datetime

import pytest

from app.chat.intents import Add, Ask, Complete, Delete, Help, Rename, Reopen, Status
from app.chat.understand import parse

TODAY = datetime.date(2026, 11, 20)     # a Friday


@pytest.mark.parametrize("text, expected", [
    ("add buy milk", Add("buy milk")),
    ("Add call mom", Add("call mom")),
    ("please add buy milk to my list", Add("buy milk")),
    ("can you add “pay rent”?", Add("pay rent")),
    ("add a to-do to water the plants", Add("water the plants")),
    ("new task: file taxes", Add("file taxes")),
    ("remind me to call the bank", Add("call the bank")),
    ("add pay rent due tomorrow", Add("pay rent", TODAY + datetime.timedelta(days=1))),
    ("add pay rent by monday", Add("pay rent", datetime.date(2026, 11, 23))),
    ("add taxes due 2026-12-31", Add("taxes", datetime.date(2026, 12, 31))),
    ("add call mom today", Add("call mom", TODAY)),         # a date at the end is the due date
    ("add read by the fire", Add("read by the fire")),
    ("add read a book", Add("read a book")),                  # "ok" at the end of a word stays
    ("remind me to buy a notebook, thanks", Add("buy a notebook")),
    ("mark buy milk done", Complete("buy milk")),
    ("mark buy milk as done.", Complete("buy milk")),
    ("Mark 'call mom' as completed please", Complete("call mom")),
    ("complete buy milk", Complete("buy milk")),
    ("finish the report", Complete("the report")),
    ("check off buy milk", Complete("buy milk")),
    ("I finished call mom", Complete("call mom")),
    ("buy milk is done", Complete("buy milk")),
    ("mark buy milk not done", Reopen("buy milk")),
    ("mark buy milk as open", Reopen("buy milk")),
    ("uncheck buy milk", Reopen("buy milk")),
    ("delete buy milk", Delete("buy milk")),
    ("remove buy milk from my list", Delete("buy milk")),
    ("get rid of the milk", Delete("the milk")),
    ("rename buy milk to buy oat milk", Rename("buy milk", "buy oat milk")),
    ("help", Help()),
])
def test_commands(text, expected):
    assert parse(text, TODAY) == expected


@pytest.mark.parametrize("text, topic", [
    ("what is overdue?", "overdue"),
    ("What's overdue", "overdue"),
    ("is anything overdue?", "overdue"),
    ("Am I late on anything?", "overdue"),
    ("how many overdue tasks?", "overdue"),
    ("what is due today?", "due_today"),
    ("What do I have to do today?", "due_today"),
    ("How many open to-dos do I have?", "count_open"),
    ("how many todos are left", "count_open"),
    ("How many tasks do I still have to do?", "count_open"),
    ("how many things are not done yet?", "count_open"),
    ("How many to-dos have I completed?", "count_done"),
    ("how many tasks are done", "count_done"),
    ("How many to-dos do I have?", "count_all"),
    ("how many items are on my list", "count_all"),
    ("What are my to-dos?", "list_open"),
    ("what do I need to do?", "list_open"),
    ("list my open tasks", "list_open"),
    ("show my to-do list", "list_open"),
    ("What's on my list?", "list_open"),
    ("which tasks are not done yet", "list_open"),
    ("what have I done?", "list_done"),
    ("Which to-dos are completed?", "list_done"),
    ("Which task is due next month?", ("upcoming", "next_month")),
    ("What's coming up?", "upcoming"),
    ("anything about books on there?", ("about", "books")),
    ("is there anything about the car on my list?", ("about", "car")),
])
def test_questions(text, topic):
    assert parse(text, TODAY) == (Ask(*topic) if isinstance(topic, tuple) else Ask(topic))


@pytest.mark.parametrize("text", [
    "Hello!", "Tell me a joke", "How do I stay focused?", "what should I cook tonight?",
    "Additionally, I like tea", "",
    # asking for words, not facts: a list or a count would answer something else
    "give me one tip to get my errands done faster", "Give me a pep talk for what I need to do today",
    "encourage me to do the laundry today", "write a short poem about my to-do list",
])
def test_everything_else_goes_to_the_model(text):
    assert parse(text, TODAY) is None


@pytest.mark.parametrize("text", ["Have I paid the rent yet?", "Did I water the plants?",
                                  "When is the passport renewal due?", "Is it going to rain?"])
def test_yes_no_and_when_questions_may_be_about_an_item(text):
    # The assistant answers from the list if the question names a to-do, else the model does.
    assert parse(text, TODAY) == Status(text.rstrip("?"))
