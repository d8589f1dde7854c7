"""EpochAverage ends training with the mean of the epoch-end weights, across a resume too."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from seqzoo.recipes.averaging import EpochAverage  # noqa: E402
from seqzoo.recipes.runner import read_history  # noqa: E402


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([v.numpy() for v in self.model.trainable_variables])


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")


def test_the_model_ends_with_the_mean_of_epochs_from_start(tmp_path):
    model, recorder = _model(), Recorder()
    model.fit(*_data(), epochs=4, batch_size=8, verbose=0,
              callbacks=[recorder, EpochAverage(tmp_path / "avg.npz", start_epoch=2)])
    expected = [np.mean([epoch[i] for epoch in recorder.weights[1:]], axis=0) for i in range(2)]
    for variable, value in zip(model.trainable_variables, expected):
        np.testing.assert_allclose(variable.numpy(), value, rtol=1e-6)
    assert not np.allclose(model.trainable_variables[0].numpy(), recorder.weights[-1][0])


def test_a_resumed_run_continues_the_average_and_counts_a_repeated_epoch_once(tmp_path):
    path = tmp_path / "avg.npz"
    model, recorder = _model(), Recorder()
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[recorder, EpochAverage(path, start_epoch=1)])
    # The "resumed" process repeats epoch 2 (initial_epoch=1) and runs epoch 3.
    model.fit(x, y, epochs=3, initial_epoch=1, batch_size=8, verbose=0,
              callbacks=[recorder, EpochAverage(path, start_epoch=1)])
    counted = [recorder.weights[0], recorder.weights[1], recorder.weights[3]]  # epochs 1, 2 and 3
    expected = np.mean([w[0] for w in counted], axis=0)
    np.testing.assert_allclose(model.trainable_variables[0].numpy(), expected, rtol=1e-6)
    with np.load(path, allow_pickle=False) as saved:
        assert int(saved["count"]) == 3 and int(saved["last_epoch"]) == 3


def test_history_skips_the_na_columns_of_a_run_without_validation(tmp_path):
    log = tmp_path / "history.csv"
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.7,NA,NA\n1,0.6,0.6,NA,NA\n")
    assert read_history(log) == {"accuracy": [0.5, 0.6], "loss": [0.7, 0.6]}
