"""`adversarial_embedding_training`: the step it installs, checked against a plain step by hand."""
from __future__ import annotations

import keras
import numpy as np
import pytest

import seqzoo
from seqzoo.errors import InputError
from seqzoo.training.adversarial import adversarial_embedding_training

TEXTS = ["a superb film", "dull and awful", "superb , superb acting", "an awful dull mess", "a film"]
LABELS = [1, 0, 1, 0, 1]


def tiny(learning_rate=0.5, *, trainable=True):
    keras.utils.set_random_seed(0)
    model = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, embedding_dim=6,
                         pooling="max_mean", seed=0)
    model.backbone.token_embedding.trainable = trainable
    model.compile(optimizer=keras.optimizers.SGD(learning_rate))
    return model


def one_step(model):
    before = [v.numpy().copy() for v in model.trainable_variables]
    model.fit(TEXTS, LABELS, epochs=1, batch_size=len(TEXTS), shuffle=False, verbose=0)
    return [v.numpy() - b for v, b in zip(model.trainable_variables, before)]


def test_a_vanishing_shift_doubles_the_plain_step():
    plain = one_step(tiny())
    doubled = one_step(adversarial_embedding_training(tiny(), 1e-7))
    assert max(np.abs(p).max() for p in plain) > 1e-4  # The plain step moves something.
    for p, d in zip(plain, doubled):
        np.testing.assert_allclose(d, 2 * p, rtol=1e-3, atol=1e-6)


def test_a_real_shift_adds_the_gradient_at_the_shifted_table_and_then_removes_the_shift():
    plain, shifted = one_step(tiny()), one_step(adversarial_embedding_training(tiny(), 3.0))
    assert not np.allclose(shifted[0], 2 * plain[0], rtol=1e-2, atol=1e-5)
    model = adversarial_embedding_training(tiny(learning_rate=0.0), 3.0)
    for step in one_step(model):  # No learning: the table must come back exactly.
        assert np.abs(step).max() == 0.0


def test_the_shift_has_length_epsilon_and_raises_the_loss():
    model = tiny()
    table = model.backbone.token_embedding.embeddings
    original, shifts = table.numpy().copy(), []
    real_assign_add = table.assign_add

    def spy(value, *args, **kwargs):
        shifts.append(np.asarray(value))
        return real_assign_add(value, *args, **kwargs)

    plain_loss = model.evaluate(TEXTS, LABELS, verbose=0)
    adversarial_embedding_training(model, 2.0)
    table.assign_add = spy
    model.run_eagerly = True
    one_step(model)
    assert len(shifts) == 1 and np.linalg.norm(shifts[0]) == pytest.approx(2.0, rel=1e-4)
    table.assign(original + shifts[0])
    assert np.ravel(model.evaluate(TEXTS, LABELS, verbose=0))[0] > np.ravel(plain_loss)[0] + 1e-3


def test_fit_reports_the_clean_loss():
    model = tiny()
    before = np.ravel(model.evaluate(TEXTS, LABELS, verbose=0))[0]
    adversarial_embedding_training(model, 3.0)
    history = model.fit(TEXTS, LABELS, epochs=1, batch_size=len(TEXTS), shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(before, rel=1e-5)


@pytest.mark.parametrize("epsilon", [0, -1.0, float("nan"), "1", True, None])
def test_bad_epsilon_is_refused(epsilon):
    with pytest.raises(InputError, match="epsilon"):
        adversarial_embedding_training(tiny(), epsilon)


def test_a_frozen_or_uncompiled_model_is_refused():
    with pytest.raises(InputError, match="trainable word embedding"):
        adversarial_embedding_training(tiny(trainable=False), 1.0)
    model = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, embedding_dim=6)
    with pytest.raises(InputError, match="Compile"):
        adversarial_embedding_training(model, 1.0)


def test_the_trained_model_saves_and_loads_as_a_plain_classifier(tmp_path):
    model = adversarial_embedding_training(tiny(), 1.0)
    one_step(model)
    model.save_preset(tmp_path / "p")
    again = seqzoo.load(str(tmp_path / "p"))
    np.testing.assert_allclose(again.predict(TEXTS), model.predict(TEXTS), atol=1e-6)
