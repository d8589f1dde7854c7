"""Paired comparisons of tuning runs from their log lines (no training: the lines are made here)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from seqzoo.errors import SeqzooError
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.recipes import sentiment_compare
from seqzoo.recipes.paired import mcnemar_p


def line(preset="sentiment-lstm", seed=0, overrides=None, held_out="validation split", right=(1, 1, 0, 1)):
    labels = [1, 0, 1, 0, 1, 0][: len(right)]
    positive = [0.9 if (y == 1) == bool(r) else 0.1 for y, r in zip(labels, right)]
    return json.dumps({"preset": preset, "seed": seed, "overrides": overrides or {}, "held_out": held_out,
                       "validation_positive_probabilities": positive, "validation_labels": labels})


def fold(i, k=2):
    return f"fold {i} of {k} of train + validation"


def test_folds_are_pooled_in_fold_order_and_a_rerun_replaces_its_line():
    lines = [line(held_out=fold(1), right=(0, 0)), line(held_out=fold(0), right=(1, 1, 1)),
             line(held_out=fold(1), right=(0, 1))]  # the rerun of fold 1 counts
    runs, skipped = sentiment_compare.read_runs(lines)
    assert skipped == []
    assert list(runs) == [("sentiment-lstm seed 0 {}", "on 2 folds")]
    assert runs["sentiment-lstm seed 0 {}", "on 2 folds"].tolist() == [1, 1, 1, 0, 1]


def test_only_runs_on_the_same_snippets_are_paired():
    lines = [line(right=(1, 1, 0, 1)), line(overrides={"dropout": 0.4}, right=(1, 0, 0, 0)),
             line(held_out=fold(0), right=(1,)), line(held_out=fold(1), right=(1,))]
    runs, _ = sentiment_compare.read_runs(lines)
    rows = sentiment_compare.comparison_table(runs)
    assert len(rows) == 3  # header, rule, and the one pair on the validation split
    cells = [c.strip() for c in rows[2].strip("|").split("|")]
    assert cells[:2] == ['sentiment-lstm seed 0 {"dropout": 0.4} on the validation split',
                         "sentiment-lstm seed 0 {} on the validation split"]
    assert cells[2:6] == ["4", "25.00%", "75.00%", "-50.00%"]
    assert cells[7:] == ["0", "2", f"{mcnemar_p(0, 2):.3f}"]


def test_older_lines_and_incomplete_cross_validations_are_skipped_with_the_reason():
    older = json.loads(line())
    del older["validation_labels"]
    runs, skipped = sentiment_compare.read_runs([json.dumps(older), line(held_out=fold(1, k=3))])
    assert runs == {}
    assert "line 1" in skipped[0] and "no per-snippet answers" in skipped[0]
    assert "folds [1] of 3, not all" in skipped[1]


def test_the_command_prints_the_table_and_refuses_what_is_not_a_log(tmp_path, capsys):
    log = tmp_path / "tuning.jsonl"
    log.write_text("\n".join([line(), line(seed=1, right=(0, 1, 0, 1))]) + "\n")
    assert sentiment_compare.main([str(log)]) == 0
    out = capsys.readouterr().out
    assert "| sentiment-lstm seed 0 {} on the validation split | sentiment-lstm seed 1 {}" in out
    log.write_text("not json\n")
    assert sentiment_compare.main([str(log)]) == 2
    assert "Line 1 is not a tuning result" in capsys.readouterr().err
    assert sentiment_compare.main([str(tmp_path / "missing.jsonl")]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_a_log_with_one_run_says_there_is_nothing_to_pair(tmp_path, capsys):
    log = tmp_path / "tuning.jsonl"
    log.write_text(line() + "\n")
    assert sentiment_compare.main([str(log)]) == 0
    assert "No two runs were scored on the same snippets." in capsys.readouterr().out


def test_an_over_confident_run_is_softened_and_its_headline_drops():
    # Sure of every snippet (0.99 / 0.01) but right on 3 of 4: the fitted temperature softens.
    fitted = sentiment_compare.calibrated_headline([0.99, 0.01, 0.99, 0.99] * 5, [1, 0, 1, 0] * 5, headline=0.9)
    assert fitted["temperature"] > 1.5
    assert fitted["headline_after"] < 0.9 == fitted["headline_before"]
    assert fitted["error_after"] < fitted["error_before"]


def test_an_under_confident_run_is_sharpened_and_its_headline_rises():
    # Always right, never surer than 0.6: the fitted temperature sharpens.
    fitted = sentiment_compare.calibrated_headline([0.6, 0.4] * 10, [1, 0] * 10, headline=0.6)
    assert fitted["temperature"] < 0.2
    assert fitted["headline_after"] > 0.9
    assert round(fitted["error_before"], 6) == 0.4


def test_the_headline_table_has_a_row_per_log_line(tmp_path, capsys):
    first = json.loads(line(held_out=fold(0)))
    lines = [json.dumps({**first, "validation_accuracy": 0.75, "headline_positive": 0.8}),
             line(held_out=fold(1))]  # no headline: not listed
    log = tmp_path / "cv.jsonl"
    log.write_text("\n".join(lines) + "\n")
    assert sentiment_compare.main([str(log), "--headline"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 3
    cells = [c.strip() for c in rows[2].strip("|").split("|")]
    assert cells[:4] == ["sentiment-lstm seed 0 {}", fold(0), "4", "75.00%"]
    assert cells[6].startswith("0.800, ")


def calibrated_line(seed, fold_index, *, count=400, preset="sentiment-bilstm", overrides=None, rng_seed=0, k=3):
    rng = np.random.default_rng(rng_seed)
    positive = rng.uniform(0.05, 0.95, count)
    labels = (rng.random(count) < positive).astype(int).tolist()
    return json.dumps({"preset": preset, "seed": seed, "overrides": overrides or {}, "held_out": fold(fold_index, k=k),
                       "validation_positive_probabilities": positive.round(6).tolist(), "validation_labels": labels})


def test_calibration_at_size_applies_each_folds_temperature_to_the_other_folds_of_the_same_seed():
    lines = [calibrated_line(0, 0, rng_seed=1), calibrated_line(0, 1, rng_seed=2),
             calibrated_line(1, 0, rng_seed=3),  # alone in its seed: no pair
             calibrated_line(0, 2, count=50, rng_seed=4),  # smaller than the size asked: left out
             calibrated_line(0, 0, rng_seed=5, k=5)]  # fold 0 of another cut: neither replaces nor pairs
    rows = sentiment_compare.calibration_at_size(lines, size=300, bound=0.05, draws=20)
    assert rows[0].startswith("| recipe | fold pairs | error on the whole fold | error on 300 snippets")
    assert len(rows) == 3
    cells = [c.strip() for c in rows[2].strip("|").split("|")]
    assert cells[:2] == ["sentiment-bilstm {}", "2"]
    # Reference: fit on one fold, score the other, both ways.
    parts = sentiment_compare._fold_parts(lines)["sentiment-bilstm {}"]
    assert sorted(parts) == [(0, 3, 0), (0, 3, 1), (0, 3, 2), (0, 5, 0), (1, 3, 0)]
    assert parts[0, 3, 0][1].tolist() == json.loads(lines[0])["validation_labels"]
    whole = []
    for a, b in [((0, 3, 0), (0, 3, 1)), ((0, 3, 1), (0, 3, 0))]:
        fitted = sentiment_compare.calibrated_headline(*parts[a], headline=0.5)["temperature"]
        scaled = sentiment_compare._under_temperature(parts[b][0], fitted)
        whole.append(expected_calibration_error(np.stack([1 - scaled, scaled], 1), parts[b][1]))
    assert cells[2] == f"{np.mean(whole):.3f}"
    mean, spread = (float(x) for x in cells[3].split(" ± "))
    assert mean > float(cells[2])  # 300 snippets measure a larger error than 400, on average
    assert 0 < spread < 0.05


def test_the_command_prints_the_calibration_table_and_refuses_a_bad_size(tmp_path, capsys):
    log = tmp_path / "cv.jsonl"
    log.write_text("\n".join([calibrated_line(0, 0, rng_seed=1), calibrated_line(0, 1, rng_seed=2)]) + "\n")
    assert sentiment_compare.main([str(log), "--calibration-at-size", "200"]) == 0
    assert "| sentiment-bilstm {} | 2 |" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        sentiment_compare.main([str(log), "--calibration-at-size", "0"])
    assert "must be >= 1" in capsys.readouterr().err


def test_a_line_without_its_held_out_part_is_not_a_tuning_result():
    result = json.loads(line())
    del result["held_out"]
    for reader in (sentiment_compare.read_runs, sentiment_compare._fold_parts):
        with pytest.raises(SeqzooError, match=r"Line 2 is not a tuning result \('held_out'\)"):
            reader([line(), json.dumps(result)])


@pytest.mark.parametrize("kind", ["bias", "power"])
def test_calibration_at_size_fits_the_map_asked_on_one_fold_and_scores_the_other(kind):
    from seqzoo.recipes.calibration_maps import fit_calibration_map, mapped_logits

    lines = [calibrated_line(0, 0, rng_seed=1), calibrated_line(0, 1, rng_seed=2)]
    rows = sentiment_compare.calibration_at_size(lines, size=300, bound=0.05, draws=20, calibration_map=kind)
    cells = [c.strip() for c in rows[2].strip("|").split("|")]
    assert cells[:2] == [f"sentiment-bilstm {{}} ({kind})", "2"]
    parts = sentiment_compare._fold_parts(lines)["sentiment-bilstm {}"]
    whole = []
    for a, b in [((0, 3, 0), (0, 3, 1)), ((0, 3, 1), (0, 3, 0))]:
        fit_on, fit_labels = parts[a]
        params = fit_calibration_map(kind, np.log(fit_on / (1 - fit_on)), fit_labels)
        assert params[kind] != (0.0 if kind == "bias" else 1.0)  # a real fit, not the temperature's
        mapped = mapped_logits(kind, params, np.log(parts[b][0] / (1 - parts[b][0])))
        scaled = 1 / (1 + np.exp(-mapped))
        whole.append(expected_calibration_error(np.stack([1 - scaled, scaled], 1), parts[b][1]))
    assert cells[2] == f"{np.mean(whole):.3f}"
    temperature_row = sentiment_compare.calibration_at_size(lines, size=300, bound=0.05, draws=20)[2]
    assert temperature_row.startswith("| sentiment-bilstm {} | 2 |")


def test_the_command_passes_the_map_on_and_refuses_it_without_a_size(tmp_path, capsys):
    log = tmp_path / "cv.jsonl"
    log.write_text("\n".join([calibrated_line(0, 0, rng_seed=1), calibrated_line(0, 1, rng_seed=2)]) + "\n")
    assert sentiment_compare.main([str(log), "--calibration-at-size", "200", "--calibration-map", "power"]) == 0
    assert "| sentiment-bilstm {} (power) | 2 |" in capsys.readouterr().out
    for other in ([], ["--headline"]):  # never ignored silently
        with pytest.raises(SystemExit):
            sentiment_compare.main([str(log), "--calibration-map", "bias", *other])
        assert "--calibration-map needs --calibration-at-size" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        sentiment_compare.main([str(log), "--calibration-at-size", "200", "--calibration-map", "isotonic"])
    assert "invalid choice" in capsys.readouterr().err
