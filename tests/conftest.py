"""Shared fixtures: tiny models that train in a second, and a quiet TensorFlow."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402

NAMES = ["John", "Johanna", "Mary", "Maria", "Marie", "Anna", "Hannah", "Jonas"] * 8


@pytest.fixture(scope="session")
def tiny_names():
    return list(NAMES)


@pytest.fixture(scope="session")
def tiny_lm():
    """A one-layer LSTM char LM trained for a few steps on a handful of names."""
    import keras

    import seqzoo

    keras.utils.set_random_seed(0)
    model = seqzoo.build("lstm", "char_lm", texts=NAMES, hidden_size=16, embedding_dim=8)
    model.fit(NAMES, epochs=3, batch_size=16, verbose=0)
    return model


@pytest.fixture()
def preset(tiny_lm, tmp_path):
    """`tiny_lm` saved as a preset directory in a fresh temporary folder."""
    path = tmp_path / "tiny"
    tiny_lm.save_preset(path)
    return path
