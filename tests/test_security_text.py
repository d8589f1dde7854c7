"""Awkward text never crashes a text model: finite, bounded results or a clear SeqzooError."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seqzoo
from seqzoo.errors import InputError
from seqzoo.layers import CharTokenizer, WordTokenizer

AWKWARD = {
    "empty": "",
    "whitespace": " \t\n  \r\n",
    "unknown": "\u2603\u2603\u2603 \u00bf\u00bf",
    "invalid_utf8": b"\xff\xfeab\xc3(",
    "mixed_scripts": "Jo\u00e3o \u0418\u0432\u0430\u043d \u674e\u96f7 \u0645\u062d\u0645\u062f",
    "emoji": "\U0001F600\U0001F468\u200d\U0001F469\u200d\U0001F467 ok",
    "non_ascii_case": "\u00c9MILE \u00e9mile STRASSE stra\u00dfe \u0130i",
    "lone_surrogate": "a\ud800b",
}
BIG = "Maria " * ((1 << 20) // 6)  # About 1 MB.
MANY = [f"Anna {i}" for i in range(10_000)]


@pytest.fixture(scope="module")
def tiny_clf():
    texts = ["good film", "bad film", "great acting", "awful plot"] * 8
    model = seqzoo.build("lstm", "text_classification", texts=texts, hidden_size=8, embedding_dim=8,
                         sequence_length=32)
    model.fit(texts, [1, 0, 1, 0] * 8, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module", params=["tiny", "names-lstm"])
def lm(request, tiny_lm):
    return tiny_lm if request.param == "tiny" else seqzoo.load("names-lstm")


@pytest.fixture(scope="module", params=["tiny", "sentiment-lstm"])
def clf(request, tiny_clf):
    return tiny_clf if request.param == "tiny" else seqzoo.load("sentiment-lstm")


def _check_probs(probs, rows):
    probs = np.asarray(probs)
    assert probs.shape[0] == rows and np.isfinite(probs).all()
    assert (probs >= 0).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-4)


@pytest.mark.parametrize("kind", list(AWKWARD))
def test_char_lm_awkward_text(lm, kind):
    text = AWKWARD[kind]
    _check_probs(lm.predict([text]), 1)
    if isinstance(text, str):
        assert all(np.isfinite(p) and 0 <= p <= 1 for _, p in lm.predict_next(text, k=3))
        out = lm.generate(text, max_length=5, seed=0)
        assert isinstance(out, str)
    assert np.isfinite(lm.score([text]))


@pytest.mark.parametrize("kind", list(AWKWARD))
def test_text_classifier_awkward_text(clf, kind):
    _check_probs(clf.predict([AWKWARD[kind]]), 1)
    [(label, p)] = clf.classify([AWKWARD[kind]])
    assert label in clf.labels and 0 <= p <= 1


def test_char_lm_one_megabyte_text_scores_like_its_start(tiny_lm):
    # A periodic text: the mean per-character NLL of 1 MB equals that of its first
    # thousand periods, when the state is carried across the 4096-step chunks.
    whole = tiny_lm.score([BIG], chunk_length=4096)
    start = tiny_lm.score([BIG[:6000]], chunk_length=4096)
    assert np.isfinite(whole) and 0 < whole < np.log(tiny_lm.tokenizer.vocabulary_size + 2)
    assert whole == pytest.approx(start, rel=1e-4)


def test_text_classifier_one_megabyte_text(tiny_clf):
    _check_probs(tiny_clf.predict([BIG]), 1)


def test_ten_thousand_texts(tiny_lm, tiny_clf):
    _check_probs(tiny_clf.predict(MANY), len(MANY))
    _check_probs(tiny_lm.predict(MANY), len(MANY))
    assert np.isfinite(tiny_lm.score(MANY, batch_size=1024))


# === Tokenizer properties ===
CHARS = list("abcXYZ \u00e9\u00df\u4e2d\U0001F600\n\\.")
WORDS = ["good", "film", "caf\u00e9", "\u4e2d\u6587", "!", ",", "x1"]


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=CHARS, max_size=40))
def test_char_tokenizer_round_trips_in_vocabulary_text(text):
    tok = CharTokenizer(vocabulary=CHARS)
    ids = tok.tokenize([text])
    assert tok.detokenize(ids.to_list()) == [text]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=30) | st.binary(max_size=30), min_size=1, max_size=4))
def test_tokenizer_ids_always_in_range(texts):
    for tok in (CharTokenizer(vocabulary=CHARS), WordTokenizer(vocabulary=WORDS)):
        ids = tok.tokenize(texts).flat_values.numpy()
        assert ((ids >= 0) & (ids < tok.vocabulary_size)).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=8))
def test_word_tokenizer_keeps_in_vocabulary_words(words):
    tok = WordTokenizer(vocabulary=WORDS)
    ids = tok.tokenize([" ".join(words)]).to_list()[0]
    assert [tok.id_to_token(i) for i in ids] == words


def test_char_lm_long_prompt_predict_next_and_generate(tiny_lm):
    # 100 KB: every character is one recurrent step, so 1 MB (scored above) takes
    # tens of seconds per call on a CPU; the behaviour is the same.
    # Prefixes and prompts are read up to MAX_PREFIX_CHARS characters (the exports' cap too);
    # a longer one is refused with the way out, not cut silently.
    from seqzoo.models.char_lm_preprocessor import MAX_PREFIX_CHARS

    prompt = BIG[:MAX_PREFIX_CHARS]
    _check_probs(tiny_lm.predict([prompt]), 1)
    assert all(np.isfinite(p) for _, p in tiny_lm.predict_next(prompt, k=2))
    assert tiny_lm.generate(prompt, max_length=3, seed=0).startswith(prompt)
    for call in (lambda: tiny_lm.predict_next(BIG[: MAX_PREFIX_CHARS + 1]),
                 lambda: tiny_lm.generate(BIG[: MAX_PREFIX_CHARS + 1], max_length=3)):
        with pytest.raises(InputError, match="at most 10,000"):
            call()
