import datetime
import sys
from pathlib import Path

import numpy as np
import pytest

import seqzoo
from seqzoo import InputError

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["rain", "tmax", "tmin"]
TARGETS = ["tmax", "tmin"]
WINDOW = 5


def make_table(n=90, start="2020-01-01", offset=0.0):
    """Smooth synthetic daily weather as a dict of columns."""
    first = datetime.date.fromisoformat(start)
    t = np.arange(n)
    tmax = 12 + offset + 6 * np.sin(t / 9.0)
    return {
        "date": [(first + datetime.timedelta(days=int(i))).isoformat() for i in t],
        "rain": (np.abs(np.sin(t * 1.7)) * 3).round(2).tolist(),
        "tmax": tmax.round(2).tolist(),
        "tmin": (tmax - 6 + np.cos(t / 5.0)).round(2).tolist(),
    }


def as_rows(table):
    return [dict(zip(table, values)) for values in zip(*table.values())]


def build(**hparams):
    import keras

    keras.utils.set_random_seed(0)
    return seqzoo.build("lstm", "forecasting", feature_names=FEATURES, target_names=TARGETS,
                        window=WINDOW, hidden_size=8, **hparams)


@pytest.fixture(scope="module")
def tiny_forecaster():
    model = build()
    model.fit(make_table(), epochs=2, batch_size=16, verbose=0)
    return model


@pytest.fixture
def no_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError.


def test_fit_on_a_table_lowers_the_loss():
    model = build()
    history = model.fit(make_table(), epochs=6, batch_size=16, verbose=0)
    assert model.task_name == "forecasting" and isinstance(model, seqzoo.Forecaster)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_normalisation_is_adapted_inside_the_model_once():
    table = make_table()
    model = build(data=table)
    windows, targets = model.preprocessor.pairs(table)
    assert model.input_columns == FEATURES + ["season_sin", "season_cos"]
    mean = np.asarray(model.normalizer.mean).reshape(-1)
    np.testing.assert_allclose(mean, windows.reshape(-1, windows.shape[-1]).mean(axis=0), rtol=1e-4, atol=1e-4)
    changes = targets - windows[:, -1, [1, 2]]
    np.testing.assert_allclose(model.head.change_mean.numpy(), changes.mean(axis=0), rtol=1e-4, atol=1e-5)
    # Real units in, real units out: forecasts are near the data's level, not near 0.
    assert abs(model.predict(windows).mean() - targets.mean()) < 3.0
    # A later fit (fine-tuning) keeps the statistics it was adapted with.
    model.fit(make_table(offset=50.0), epochs=1, verbose=0)
    np.testing.assert_allclose(np.asarray(model.normalizer.mean).reshape(-1), mean, rtol=1e-6)


def test_forecast_rows_and_dates(tiny_forecaster, no_pandas):
    table = make_table()
    rows = tiny_forecaster.forecast(table, horizon=3)
    assert isinstance(rows, list) and len(rows) == 3
    assert [r["date"] for r in rows] == ["2020-03-31", "2020-04-01", "2020-04-02"]
    assert all(set(r) == {"date", *TARGETS} and all(np.isfinite(r[t]) for t in TARGETS) for r in rows)
    # The first step is the model's next-step prediction after the last window.
    np.testing.assert_allclose([rows[0][t] for t in TARGETS], tiny_forecaster.predict(table)[-1], rtol=1e-5)
    # Step 2 reads step 1's forecast, and rain held at its mean over the last window.
    pre = tiny_forecaster.preprocessor
    dates, values = pre.read(table, min_rows=WINDOW)
    dates, values = dates[-WINDOW:], values[-WINDOW:]
    row = np.array([values[:, 0].mean(), rows[0]["tmax"], rows[0]["tmin"]], np.float32)
    nxt = [dates[1:] + [datetime.date(2020, 3, 31)], np.concatenate([values[1:], row[None]])]
    expected = tiny_forecaster.predict(pre.model_inputs(*nxt)[None])[0]
    np.testing.assert_allclose([rows[1][t] for t in TARGETS], expected, rtol=1e-5)


def test_every_table_form_gives_the_same_forecast(tiny_forecaster, no_pandas):
    table = make_table(n=12)
    expected = tiny_forecaster.forecast(table, horizon=2)
    assert tiny_forecaster.forecast(as_rows(table), horizon=2) == expected
    dated = dict(table, date=[datetime.date.fromisoformat(d) for d in table["date"]])
    assert tiny_forecaster.forecast(dated, horizon=2) == expected
    columns = dict(table, date=np.array(table["date"], dtype="datetime64[D]"), tmax=np.array(table["tmax"]))
    assert tiny_forecaster.forecast(columns, horizon=2) == expected


def test_dataframes_in_and_out(tiny_forecaster):
    pandas = pytest.importorskip("pandas")
    table = make_table(n=12)
    frame = pandas.DataFrame(table)
    result = tiny_forecaster.forecast(frame, horizon=2)
    assert isinstance(result, pandas.DataFrame) and list(result.columns) == ["date", *TARGETS]
    indexed = frame.set_index(pandas.to_datetime(frame.pop("date")))
    pandas.testing.assert_frame_equal(tiny_forecaster.forecast(indexed, horizon=2), result)


def _bad(table, **changes):
    return dict(table, **changes)


@pytest.mark.parametrize("case, match", [
    ("missing column", r"lacks the columns \['tmin'\].*expected the columns \['date', 'rain', 'tmax', 'tmin'\]"),
    ("too few rows", r"3 rows; at least 5"),
    ("nan", r"'tmax' has 1 NaN or infinite.*row 2"),
    ("inf", r"'rain' has 1 NaN or infinite"),
    ("bad date", r"Row 4: cannot read the date '2020-13-45'.*YYYY-MM-DD"),
    ("gap in dates", r"consecutive daily steps.*row 3 \(2020-01-05\)"),
    ("unsorted dates", r"consecutive daily steps"),
    ("duplicate dates", r"consecutive daily steps"),
    ("string in numeric column", r"Column 'tmin', row 1: 'warm' \(str\) is not a number"),
    ("row missing a key", r"Row 2 lacks \['rain'\]"),
    ("not a table", r"pandas DataFrame, a list of dicts or a dict of columns"),
    ("ragged columns", r"different lengths"),
])
def test_bad_history_raises_input_error(tiny_forecaster, case, match):
    table = make_table(n=8)
    tmax, rain, tmin, dates = list(table["tmax"]), list(table["rain"]), list(table["tmin"]), list(table["date"])
    history = {
        "missing column": {k: v for k, v in table.items() if k != "tmin"},
        "too few rows": {k: v[:3] for k, v in table.items()},
        "nan": _bad(table, tmax=tmax[:2] + [float("nan")] + tmax[3:]),
        "inf": _bad(table, rain=rain[:5] + [float("inf")] + rain[6:]),
        "bad date": _bad(table, date=dates[:4] + ["2020-13-45"] + dates[5:]),
        "gap in dates": _bad(table, date=dates[:3] + [d for d in make_table(n=9)["date"][4:]]),
        "unsorted dates": _bad(table, date=dates[:2] + [dates[3], dates[2]] + dates[4:]),
        "duplicate dates": _bad(table, date=dates[:3] + [dates[2]] + dates[4:]),
        "string in numeric column": _bad(table, tmin=tmin[:1] + ["warm"] + tmin[2:]),
        "row missing a key": [r if i != 2 else {k: v for k, v in r.items() if k != "rain"}
                              for i, r in enumerate(as_rows(table))],
        "not a table": "2020-01-01,1,2,3",
        "ragged columns": _bad(table, rain=rain[:-1]),
    }[case]
    with pytest.raises(InputError, match=match):
        tiny_forecaster.forecast(history)
    assert issubclass(InputError, seqzoo.SeqzooError)


def test_bad_horizon_and_bad_arrays(tiny_forecaster):
    with pytest.raises(InputError, match="horizon"):
        tiny_forecaster.forecast(make_table(n=8), horizon=0)
    with pytest.raises(InputError, match=r"shape \[N, 5, 5\].*season_cos"):
        tiny_forecaster.predict(np.zeros((2, 4, 5), "float32"))
    with pytest.raises(InputError, match="NaN"):
        tiny_forecaster.predict(np.full((1, 5, 5), np.nan, "float32"))
    windows = np.zeros((3, 5, 5), "float32")
    with pytest.raises(InputError, match=r"Targets must have the shape \[3, 2\]"):
        tiny_forecaster.fit(windows, np.zeros((3, 3)), verbose=0)
    with pytest.raises(InputError, match="need targets"):
        tiny_forecaster.fit(windows, verbose=0)


def test_fit_and_predict_on_arrays_of_windows():
    model = build()
    windows, targets = model.preprocessor.pairs(make_table())
    history = model.fit(windows, targets, epochs=4, batch_size=16, verbose=0)
    assert model.adapted and history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(windows).shape == (len(windows), 2)
    np.testing.assert_allclose(model.predict(windows)[-1], model.predict(make_table())[-2], rtol=1e-5)


def test_save_and_load_give_identical_forecasts(tiny_forecaster, tmp_path, no_pandas):
    tiny_forecaster.save_preset(tmp_path / "tiny")
    loaded = seqzoo.load(tmp_path / "tiny")
    table = make_table(n=20)
    assert loaded.adapted and loaded.window == WINDOW and loaded.target_names == TARGETS
    assert loaded.forecast(table, horizon=3) == tiny_forecaster.forecast(table, horizon=3)
    np.testing.assert_array_equal(np.asarray(loaded.normalizer.variance),
                                  np.asarray(tiny_forecaster.normalizer.variance))


def test_monthly_series_and_no_season():
    model = seqzoo.build("gru", "forecasting", feature_names=["price"], window=3, season=False,
                         frequency="monthly", hidden_size=4)
    dates = [f"2009-{m:02d}-01" for m in range(1, 13)]
    model.fit({"date": dates, "price": list(range(12))}, epochs=1, verbose=0)
    rows = model.forecast({"date": dates, "price": list(range(12))}, horizon=2)
    assert [r["date"] for r in (rows if isinstance(rows, list) else rows.to_dict("records"))] == [
        "2010-01-01", "2010-02-01"]


def test_build_checks_its_arguments():
    with pytest.raises(InputError, match="A forecaster needs feature_names: the numeric columns it reads."):
        seqzoo.build("lstm", "forecasting")
    with pytest.raises(InputError, match="A forecaster needs feature_names"):
        seqzoo.build("lstm", "forecasting", feature_names=[])
    with pytest.raises(InputError, match="subset of feature_names"):
        seqzoo.build("lstm", "forecasting", feature_names=["a"], target_names=["b"])
    with pytest.raises(InputError, match="hidden_sise"):
        seqzoo.build("lstm", "forecasting", feature_names=["a"], hidden_sise=3)


# === The shipped preset ===
@pytest.mark.parametrize("name", ["weather-lstm", "weather-gru"])
def test_weather_cards_beat_the_baselines(name):
    card = seqzoo.info(name)
    m = card.metrics
    assert card.task == "forecasting" and card.headline_metric == "test_mae_temp_max"
    for target in ("temp_max", "temp_min"):
        assert m[f"persistence_test_mae_{target}"]["baseline"] and m[f"linear_test_mae_{target}"]["baseline"]
        assert m[f"test_mae_{target}"]["value"] < m[f"persistence_test_mae_{target}"]["value"]
    assert m["test_mae_temp_max"]["value"] < m["linear_test_mae_temp_max"]["value"]
    assert m["persistence_test_mae_temp_max"]["value"] == pytest.approx(2.24, abs=0.01)
    assert m["test_mae_temp_max_vs_persistence"]["value"] == pytest.approx(
        m["test_mae_temp_max"]["value"] / m["persistence_test_mae_temp_max"]["value"], abs=1e-4)


@pytest.mark.xfail(strict=True, reason="The issue's target (<= 0.9 x persistence) is not reached: "
                   "about 0.95 after tuning; see docs/guides/forecasting-honesty.md.")
def test_weather_lstm_meets_the_issue_target():
    m = seqzoo.info("weather-lstm").metrics
    assert m["test_mae_temp_max"]["value"] <= 0.9 * m["persistence_test_mae_temp_max"]["value"]


def _cached(dataset):
    from seqzoo.datasets.fetch import read_cached
    from seqzoo.datasets.sources import SOURCES

    return read_cached(SOURCES[dataset]) is not None


@pytest.mark.skipif(not _cached("seattle-weather"),
                    reason="seattle-weather is not cached; run `seqzoo data fetch seattle-weather`")
@pytest.mark.parametrize("name", ["weather-lstm", "weather-gru"])
def test_weather_card_matches_a_fresh_measurement(name):
    """The card's numbers, measured again on the test split with today's code (CI fetches the data)."""
    from seqzoo.recipes.forecast_baselines import mae, persistence
    from seqzoo.recipes.weather import measure, split_table

    model = seqzoo.load(name)
    test = split_table("test")
    scores = measure(model, test)
    windows, targets = model.preprocessor.pairs(test)
    naive = mae(persistence(windows, model.preprocessor.target_indices), targets)
    for i, target in enumerate(model.target_names):
        assert scores[target] == pytest.approx(model.card.metrics[f"test_mae_{target}"]["value"], abs=1e-3)
        assert naive[i] == pytest.approx(model.card.metrics[f"persistence_test_mae_{target}"]["value"], abs=1e-3)
        assert scores[target] < naive[i]  # Measured now, not read: the model beats persistence.


def test_weather_lstm_demo_and_cli_forecast_work_offline(tmp_path, capsys):
    from seqzoo.cli import main

    model = seqzoo.load("weather-lstm")
    assert model.feature_names == ["precipitation", "temp_max", "temp_min", "wind"]
    assert model.target_names == ["temp_max", "temp_min"] and model.window == 7
    example = model.card.extra["example_history"]
    assert len(example) == 7 and example[-1]["date"] == "2014-12-31"
    demo = model.demo()
    assert "2015-01-03" in demo and "temp_max" in demo
    path = tmp_path / "history.csv"
    path.write_text("date,precipitation,temp_max,temp_min,wind,weather\n" + "".join(
        f"{r['date']},{r['precipitation']},{r['temp_max']},{r['temp_min']},{r['wind']},sun\n" for r in example))
    assert main(["forecast", "weather-lstm", "--data", str(path), "--horizon", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == ["date", "temp_max", "temp_min"] and len(lines) == 4
    assert lines[3].startswith("2015-01-03")
    path.write_text(path.read_text().replace("2014-12-31,0.0", "2014-12-31,lots"))
    assert main(["forecast", "weather-lstm", "--data", str(path)]) == 2
    assert "'precipitation': 'lots' is not a number" in capsys.readouterr().err


@pytest.mark.parametrize(("options", "message"), [
    ({"feature_names": "temp_max"}, "feature_names must be a list of column names such as ['temp_max', 'temp_min']; "
                                    "got 'temp_max'."),  # before: split into letters, t, e, m, p, ...
    ({"feature_names": {"temp_max", "temp_min"}}, "feature_names must be a list of column names"),
    ({"feature_names": ["a", "b", "a"]}, "feature_names names ['a'] more than once"),
    ({"feature_names": ["a", 5]}, "feature_names[1] must be a string; got 5 (int)."),
    ({"target_names": "temp_max"}, "target_names must be a list of column names"),
    ({"window": 1.5}, "window must be an integer from 1 to 10000; got 1.5"),
    ({"window": 0}, "window must be from 1 to 10000; got 0."),
    ({"season": "no"}, "season must be True or False; got 'no'."),
    ({"date_column": ""}, "date_column must not be empty."),
    ({"normalization": "window", "missing": "temp_max"}, "missing must be a list of column names"),
])
def test_forecaster_columns_and_options_are_checked_not_coerced(options, message):
    with pytest.raises(InputError) as error:
        seqzoo.build("lstm", "forecasting", **{"feature_names": ["temp_max", "temp_min"], **options})
    assert str(error.value).startswith(message)


def test_feature_names_may_come_from_a_dataframe_or_an_array():
    pandas = pytest.importorskip("pandas")
    columns = pandas.DataFrame(columns=["date", "temp_max", "temp_min"]).columns[1:]
    assert seqzoo.build("lstm", "forecasting", feature_names=columns).feature_names == ["temp_max", "temp_min"]
    model = seqzoo.build("lstm", "forecasting", feature_names=np.array(["a", "b"]), target_names=("b",))
    assert (model.feature_names, model.target_names) == (["a", "b"], ["b"])
    assert [type(name) for name in model.feature_names] == [str, str]  # not numpy strings
