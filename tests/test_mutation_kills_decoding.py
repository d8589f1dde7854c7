"""RecurrentDecoder: chunks, prefill and the compiled sampling loop, against step-by-step references."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import seqzoo

from seqzoo.layers.tokenizer import END_ID, OOV_ID, PAD_ID, START_ID
from seqzoo.models.sampling import sample_tokens

BANNED = (PAD_ID, START_ID, OOV_ID)


@pytest.fixture()
def tiny_lm():
    """An untrained two-layer LSTM char LM, built in each test: the decoder is made with the model, and
    mutmut runs a mutant of `RecurrentDecoder.__init__` only with the tests that called it."""
    keras.utils.set_random_seed(1)
    names = ["John", "Johanna", "Mary", "Maria", "Marie", "Anna", "Hannah", "Jonas"]
    return seqzoo.build("lstm", "char_lm", texts=names, hidden_size=16, embedding_dim=8, num_layers=2)


@pytest.fixture()
def decoder(tiny_lm):
    return tiny_lm.decoder


def _ids(tiny_lm, texts):
    rows = tiny_lm.preprocessor.with_markers(tf.constant(texts))[:, :-1]
    return rows.to_tensor(default_value=PAD_ID)


def test_run_chunk_equals_the_model_and_chunks_carry_the_state(tiny_lm, decoder):
    ids = _ids(tiny_lm, ["Johanna", "Mary"])  # The second row is padded: the mask holds its state.
    logits, states = decoder.run_chunk(ids, None)
    np.testing.assert_allclose(logits.numpy(), tiny_lm(ids, training=False).numpy(), atol=1e-5)
    first, carried = decoder.run_chunk(ids[:, :3], None)
    second, final = decoder.run_chunk(ids[:, 3:], carried)
    np.testing.assert_allclose(tf.concat([first, second], axis=1).numpy(), logits.numpy(), atol=1e-5)
    assert len(states) == len(tiny_lm.backbone.recurrent_layers)
    for whole, parts in zip(states, final, strict=True):
        assert len(whole) == 2  # LSTM: h and c.
        for a, b in zip(whole, parts, strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
    # Mary's state after her last letter is carried through the padding.
    mary, _ = decoder.run_chunk(_ids(tiny_lm, ["Mary"]), None)
    np.testing.assert_allclose(mary[0, -1].numpy(), logits[1, 4].numpy(), atol=1e-5)


def test_prefill_gives_the_last_logits_and_the_states(tiny_lm, decoder):
    ids = _ids(tiny_lm, ["Jo"])
    last, states = decoder.prefill(ids)
    logits, chunk_states = decoder.run_chunk(ids, None)
    np.testing.assert_allclose(last.numpy(), logits[:, -1].numpy(), atol=1e-6)
    for a, b in zip(tf.nest.flatten(states), tf.nest.flatten(chunk_states), strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def _decode(decoder, logits, states, done, steps, temperature=0.0, seed=0, offset=0, top_k=0, top_p=1.0):
    return decoder.decode(logits, states, tf.constant(done), tf.constant(steps), tf.constant(temperature),
                          tf.constant(top_k), tf.constant(top_p), tf.constant(seed), tf.constant(offset))


def test_greedy_decoding_equals_stepping_the_model_by_hand(tiny_lm, decoder):
    logits, states = decoder.prefill(_ids(tiny_lm, ["Ma", "Jo"]))
    tokens, *_, taken = _decode(decoder, logits, states, [False, False], 6)
    want, step_logits, step_states, done = [], logits, states, np.array([False, False])
    for _ in range(int(taken)):
        scores = step_logits.numpy().copy()
        scores[:, list(BANNED)] = -np.inf
        token = np.where(done, PAD_ID, scores.argmax(axis=1)).astype("int32")
        want.append(token)
        done |= token == END_ID
        out, step_states = decoder.run_chunk(tf.constant(token[:, None]), step_states)
        step_logits = out[:, -1]
    assert tokens.numpy().tolist() == np.stack(want, axis=1).tolist()
    assert int(taken) == 6 or done.all()


def test_sampled_tokens_follow_the_seed_and_offset_and_chunks_equal_one_call(tiny_lm, decoder):
    logits, states = decoder.prefill(_ids(tiny_lm, ["Ma", "Ma", "Jo"]))
    done = [False, False, False]
    whole, *_ = _decode(decoder, logits, states, done, 8, temperature=1.3, seed=5)
    head, next_logits, next_states, next_done, taken = _decode(decoder, logits, states, done, 3, 1.3, seed=5)
    tail, *_ = _decode(decoder, next_logits, next_states, next_done.numpy().tolist(), 5, 1.3, seed=5,
                       offset=int(taken))
    assert tf.concat([head, tail], axis=1).numpy().tolist() == whole.numpy().tolist()
    banned = tf.one_hot(list(BANNED), tf.shape(logits)[-1]) > 0
    banned = tf.reduce_any(banned, axis=0)
    # The loop is XLA-compiled, and XLA draws its own stream from a stateless seed: compare compiled with compiled.
    first = tf.function(lambda lg: sample_tokens(lg, temperature=tf.constant(1.3), top_k=tf.constant(0),
                                                 top_p=tf.constant(1.0), seed=tf.constant([5, 0]), banned=banned),
                        jit_compile=True)(logits)
    assert whole[:, 0].numpy().tolist() == first.numpy().tolist()
    other, *_ = _decode(decoder, logits, states, done, 8, temperature=1.3, seed=6)
    assert other.numpy().tolist() != whole.numpy().tolist()
    assert not np.isin(whole.numpy(), [START_ID, OOV_ID]).any()


def test_rows_that_ended_give_padding_and_all_ended_stops_at_once(tiny_lm, decoder):
    logits, states = decoder.prefill(_ids(tiny_lm, ["Ma", "Jo"]))
    tokens, _, _, done, taken = _decode(decoder, logits, states, [True, False], 4, temperature=1.0, seed=1)
    assert (tokens.numpy()[0] == PAD_ID).all()
    assert bool(done[0]) and tokens.shape[1] == int(taken)
    tokens, out_logits, out_states, done, taken = _decode(decoder, logits, states, [True, True], 4)
    assert int(taken) == 0 and tokens.shape == (2, 0) and done.numpy().all()
    np.testing.assert_array_equal(out_logits.numpy(), logits.numpy())
    # Ending early: once every row produced the end marker, the loop stops before `steps`.
    end_first = tf.one_hot([END_ID, END_ID], tf.shape(logits)[-1]) * 100.0
    tokens, _, _, done, taken = _decode(decoder, end_first, states, [False, False], 5)
    assert int(taken) == 1 and tokens.numpy().tolist() == [[END_ID], [END_ID]] and done.numpy().all()


def test_the_loop_stops_after_steps_even_when_rows_have_not_ended(tiny_lm, decoder):
    logits, states = decoder.prefill(_ids(tiny_lm, ["Ma", "Jo"]))
    letter = tiny_lm.tokenizer.vocabulary.index("a") + 4  # Ids 0-3 are the special tokens.
    first = tf.one_hot([letter, letter], tf.shape(logits)[-1]) * 100.0  # No row can end at step one.
    tokens, _, _, done, taken = _decode(decoder, first, states, [False, False], 1)
    assert int(taken) == 1 and tokens.numpy().tolist() == [[letter], [letter]]
    assert not done.numpy().any()
