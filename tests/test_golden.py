"""Golden outputs: every preset still answers its fixed inputs as when its golden.json was recorded.

A failure names the preset and `python -m seqzoo.export.golden --write NAME`, the
command that records new outputs when a change is intended.
"""
import json

import pytest

import seqzoo
from seqzoo.card import ModelCard
from seqzoo.export import GoldenMismatchError, golden
from seqzoo.registry import get_entry


@pytest.mark.parametrize("name", seqzoo.list_models())
def test_preset_gives_its_golden_outputs(name):
    entry = get_entry(name)
    if entry.preset is None:
        pytest.skip(f"{name} has no preset directory")
    expected = golden.read(entry.preset)
    assert expected is not None, (
        f"{name}: saved_models/{name}/{golden.GOLDEN_FILE} is missing; record it with "
        f"`{golden.generator_command(name)}`")
    assert golden.GOLDEN_FILE in entry.card.files, f"{name}: the card does not list {golden.GOLDEN_FILE}"
    golden.check(seqzoo.load(name), expected, name)


def test_a_changed_output_fails_naming_the_preset_and_the_generator():
    expected = golden.read(get_entry("weather-gru").preset)
    expected["forecast"][0][0] += 1e-3
    with pytest.raises(GoldenMismatchError) as raised:
        golden.check(seqzoo.load("weather-gru"), expected, "weather-gru")
    message = str(raised.value)
    assert "weather-gru" in message and "forecast.0.0" in message
    assert "python -m seqzoo.export.golden --write weather-gru" in message


def test_compare_checks_text_exactly_and_numbers_within_the_tolerance():
    expected = {"tolerance": 1e-5, "p": [0.5, 0.25], "greedy": [{"text": "Maria"}]}
    assert golden.compare({"p": [0.500004, 0.25], "greedy": [{"text": "Maria"}]}, expected) == []
    problems = golden.compare({"p": [0.5002, 0.25], "greedy": [{"text": "Marie"}]}, expected)
    assert len(problems) == 2 and "greedy.0.text" in problems[1]


def test_write_adds_a_hashed_golden_file_atomically(preset):
    path = golden.write(str(preset))
    assert path == preset / golden.GOLDEN_FILE
    card = ModelCard.read(preset)
    assert golden.GOLDEN_FILE in card.files
    assert sorted(p.name for p in preset.parent.iterdir()) == ["tiny"]  # No temporary leftovers.
    model = seqzoo.load(preset)  # Every hash, the golden file's included, checks out.
    recorded = json.loads(path.read_text())
    assert recorded["generator"] == golden.generator_command(str(preset))
    golden.check(model, recorded, "tiny")


def test_generator_checks_from_the_command_line(capsys):
    assert golden.main(["weather-lstm"]) == 0
    assert "weather-lstm: ok" in capsys.readouterr().out


class _NextChars:
    """A stand-in char LM whose next-character ranking is fixed."""

    def __init__(self, ranking):
        self.ranking, self.prefixes = ranking, []

    def predict_next(self, prefix, k=5):
        self.prefixes.append(prefix)
        return self.ranking[:k]


@pytest.mark.parametrize("ranking, tie", [
    ([("e", 0.413342), ("a", 0.413340), ("i", 0.05)], True),   # within 1e-5: either is greedy
    ([("a", 0.413342), ("e", 0.413340), ("i", 0.05)], True),
    ([("e", 0.42), ("a", 0.40), ("i", 0.05)], False),           # a real preference
    ([("e", 0.41), ("i", 0.41), ("a", 0.05)], False),           # a tie, but not with the recorded char
])
def test_greedy_texts_may_part_only_at_a_tie_of_the_top_two(ranking, tie):
    model = _NextChars(ranking)
    assert golden.greedy_tie(model, "the state that", "the state the ", 1e-5) is tie
    assert model.prefixes == ["the state th"]


def test_a_greedy_difference_that_is_no_tie_still_fails(monkeypatch):
    recorded = {"tolerance": 1e-5, "greedy": [{"prompt": "An", "text": "the state the "}]}
    monkeypatch.setattr(golden, "compute", lambda model: {"greedy": [{"prompt": "An", "text": "the state that"}]})
    golden.check(_NextChars([("a", 0.413342), ("e", 0.413340)]), recorded, "tied")
    with pytest.raises(GoldenMismatchError, match="greedy.0.text"):
        golden.check(_NextChars([("a", 0.45), ("e", 0.40)]), recorded, "preferred")
    for other in ("the state th", "the state thx!", "the state the "):  # shorter, longer, same: no tie test
        assert golden.greedy_tie(_NextChars([("a", 0.4), ("e", 0.4)]), other, "the state the ", 1e-5) is False
