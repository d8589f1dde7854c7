import pytest

from seqzoo import InputError, PresetError
from seqzoo.layers import CharTokenizer, WordTokenizer
from seqzoo.layers.tokenizer import END_ID, OOV_ID, START_ID


def test_char_tokenizer_round_trip_and_unknowns():
    tok = CharTokenizer(vocabulary=list("abcé"))
    assert tok.vocabulary_size == 8
    assert tok.tokenize(["cab", "é"]).to_list() == [[6, 4, 5], [7]]
    assert tok.tokenize(["xa"]).to_list() == [[OOV_ID, 4]]
    assert tok.detokenize([[START_ID, 6, 4, 5, END_ID]]) == ["cab"]
    assert tok.detokenize([[7]]) == ["é"]


def test_char_tokenizer_replaces_invalid_utf8():
    tok = CharTokenizer(vocabulary=list("ab"))
    assert tok.tokenize([b"\xffa"]).to_list() == [[OOV_ID, 4]]


def test_char_tokenizer_adapt_orders_by_frequency():
    tok = CharTokenizer()
    tok.adapt(["aab", "a", "cb"])
    assert tok.vocabulary == ["a", "b", "c"]


def test_tokenizer_config_round_trip():
    tok = CharTokenizer(vocabulary=list("xyz"))
    again = CharTokenizer.from_config(tok.get_config())
    assert again.vocabulary == ["x", "y", "z"]
    assert again.tokenize(["zyx"]).to_list() == tok.tokenize(["zyx"]).to_list()


def test_assets_round_trip_with_newline_and_backslash(tmp_path):
    tok = CharTokenizer(vocabulary=["a", "\n", "\\"])
    tok.save_assets(str(tmp_path))
    again = CharTokenizer()
    again.load_assets(str(tmp_path))
    assert again.vocabulary == ["a", "\n", "\\"]


def test_truncated_vocabulary_asset_is_an_error(tmp_path):
    (tmp_path / "vocabulary.txt").write_text("a\nb", encoding="utf-8")
    with pytest.raises(PresetError, match="truncated"):
        CharTokenizer().load_assets(str(tmp_path))


def test_word_tokenizer_normalises_and_splits_punctuation():
    tok = WordTokenizer(vocabulary=["good", "film", "!", "café"])
    assert tok.tokenize(["Good FILM!!"]).to_list() == [[4, 5, 6, 6]]
    assert tok.tokenize(["CAFÉ", "", "   "]).to_list() == [[7], [], []]
    # NFKC turns the ligature "ﬁ" into "fi".
    assert tok.tokenize(["ﬁlm"]).to_list() == [[5]]


def test_word_tokenizer_adapt_respects_size_limit():
    tok = WordTokenizer(max_vocabulary_size=6)
    tok.adapt(["a b c a", "b a !"])
    assert tok.vocabulary == ["a", "b"]
    assert tok.vocabulary_size == 6


def test_tokenizer_errors_are_clear():
    with pytest.raises(InputError, match="no vocabulary"):
        CharTokenizer().tokenize(["a"])
    with pytest.raises(InputError, match="not a string"):
        CharTokenizer(vocabulary=["a"]).tokenize(["a", 3])
    with pytest.raises(InputError, match="duplicate"):
        CharTokenizer(vocabulary=["a", "a"])


def test_a_vocabulary_is_a_non_empty_list_of_tokens(tmp_path):
    with pytest.raises(InputError, match=r"The vocabulary must be a list of tokens such as \['good', 'film'\]"):
        WordTokenizer(vocabulary="good film")  # before: one token per character, then "duplicate tokens"
    with pytest.raises(InputError, match="The vocabulary is empty"):
        WordTokenizer(vocabulary=[])  # before: TensorFlow's "keys and values cannot be empty tensors"
    (tmp_path / "vocabulary.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="The vocabulary is empty"):  # (load_preset refuses empty assets first)
        WordTokenizer().load_assets(str(tmp_path))
    (tmp_path / "vocabulary.txt").write_text("good\nfilm\n", encoding="utf-8")
    tokenizer = WordTokenizer()
    tokenizer.load_assets(str(tmp_path))
    assert tokenizer.vocabulary == ["good", "film"]
