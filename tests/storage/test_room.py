"""quota.shortfall: the up-front check that keeps RESERVE free for the to-do list (CPython)."""
from app.storage.quota import MiB, RESERVE, no_room_message, shortfall


def test_a_write_that_leaves_the_reserve_fits():
    assert shortfall(10 * MiB, usage=0, quota=10 * MiB + RESERVE) == 0


def test_a_write_that_eats_into_the_reserve_is_short_by_that_much():
    assert shortfall(10 * MiB, usage=MiB, quota=10 * MiB + RESERVE) == MiB


def test_usage_above_the_quota_refuses_everything():
    assert shortfall(1, usage=94 * MiB, quota=50 * MiB) > 0


def test_unknown_usage_or_quota_never_refuses():
    assert shortfall(10**12, usage=None, quota=None) == 0
    assert shortfall(10**12, usage=0, quota=0) == 0


def test_the_message_says_what_is_needed_free_and_kept():
    text = no_room_message("m/f.gguf", "OPFS", 94 * MiB, 12 * MiB)
    assert text.startswith("Not enough storage space to save m/f.gguf in OPFS.")
    assert "It needs 94.0 MiB; 12.0 MiB is free for models" in text
    assert f"{RESERVE // MiB} MiB stay free for your to-dos" in text
