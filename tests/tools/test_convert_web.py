"""What the converter and its browser probe decide in plain Python: the attention mask the
exported model is checked with (the convention tasks-genai's web runtime fills a
`mask_as_input` signature with), and the probe's prompt, URL and summary. CPython, fast; the
real model in Chromium is tests/engines/test_mediapipe_converted.py."""
from pathlib import Path

import numpy as np
import pytest

from app.engines import byte_level
from tools.convert.litert_export import causal_mask
from tools.convert.web_probe import model_url, prompt_for, summary


def test_a_prefill_mask_lets_each_token_see_itself_and_what_came_before():
    mask = causal_mask((1, 1, 4, 8), start=0)
    assert mask.shape == (1, 1, 4, 8) and mask.dtype == np.float32
    rows = mask[0, 0]
    for i in range(4):
        assert (rows[i, :i + 1] == 0).all()
        assert np.isneginf(rows[i, i + 1:]).all()


def test_a_decode_mask_at_position_p_sees_the_cache_up_to_p():
    row = causal_mask((1, 1, 1, 10), start=6)[0, 0, 0]
    assert (row[:7] == 0).all() and np.isneginf(row[7:]).all()


def test_a_mask_is_a_fresh_writable_array():
    mask = causal_mask((1, 1, 2, 4), start=1)
    mask[0, 0, 0, 0] = 5.0          # the interpreter may keep a reference: no shared view
    assert causal_mask((1, 1, 2, 4), start=1)[0, 0, 0, 0] == 0


def test_the_probe_prompt_is_a_chatml_turn_in_the_byte_level_alphabet():
    prompt = prompt_for("Facts.", "How many?")
    assert prompt == ("<|im_start|>systemĊFacts.<|im_end|>Ċ"
                      "<|im_start|>userĊHowĠmany?<|im_end|>Ċ<|im_start|>assistantĊ")
    assert prompt_for("", "Hi").startswith("<|im_start|>user")


def test_the_probe_summary_decodes_pieces_and_rates_them():
    euro = byte_level.encode("€")          # three bytes: three characters, split over pieces
    result = {"pieces": ["There", "Ġare", "Ġ3", euro[:2], euro[2:]],
              "at": [4000.0, 4500.0, 5000.0, 5500.0, 6000.0]}
    got = summary(result, force_f32=True)
    assert got["text"] == "There are 3€"
    assert got["first_piece_ms"] == 4000 and got["pieces_per_s"] == 2.0 and got["n"] == 5
    assert summary({"pieces": [], "at": []}, False)["first_piece_ms"] is None


def test_the_probe_serves_a_model_under_the_site_or_its_models_link(tmp_path):
    site, models = tmp_path / "site", tmp_path / "models"
    (models / "m" / "1").mkdir(parents=True)
    site.mkdir()
    (site / "models").symlink_to(models)
    task = models / "m" / "1" / "m.task"
    task.write_bytes(b"x")
    assert model_url(site, task) == "/models/m/1/m.task"
    assert model_url(site, site / "models" / "m" / "1" / "m.task") == "/models/m/1/m.task"
    with pytest.raises(ValueError, match="not served"):
        model_url(site, Path(tmp_path / "elsewhere.task"))
