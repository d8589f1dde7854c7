"""config_safety: every branch of the checker with its exact message, so mutants of the module fail a test."""
import pytest

from seqzoo.config_safety import SIZE_LIMITS, _is_keras_class, check_config, check_sizes, size_limit
from seqzoo.errors import PresetError, SeqzooError


def _refused(config, message):
    with pytest.raises(PresetError, match=message):
        check_config(config, source="src.json")


@pytest.mark.parametrize("name", ["Lambda", "TFSMLayer", "function", "__lambda__", "__typespec__",
                                  "TorchModuleWrapper", "JaxLayer", "FlaxLayer"])
def test_forbidden_classes_are_refused_by_name(name):
    _refused({"class_name": name, "module": "keras.layers", "registered_name": None},
             rf"^src\.json: refusing to load '{name}'; it could run code\.$")


def test_class_name_must_be_a_string():
    _refused({"class_name": None}, r"^src\.json: refusing to load None; it could run code\.$")
    _refused({"class_name": ["Dense"]}, r"^src\.json: refusing to load \['Dense'\]")


def test_module_and_registered_name_must_be_strings_or_none():
    _refused({"class_name": "Dense", "module": 1}, r"^src\.json: 'Dense' has a malformed module or registered_name\.$")
    _refused({"class_name": "Dense", "module": "keras.layers", "registered_name": 2},
             r"^src\.json: 'Dense' has a malformed module or registered_name\.$")


def test_keras_layers_pass_by_module_or_submodule_or_without_module():
    for module in ("keras.layers", "keras.layers.core", None):
        check_config({"class_name": "Dense", "module": module, "registered_name": None}, source="s")
    check_config({"class_name": "Dense", "module": "keras.layers", "registered_name": "Dense"}, source="s")
    for module, name in [("keras.initializers", "GlorotUniform"), ("keras.regularizers", "L2"),
                         ("keras.constraints", "NonNeg"), ("keras.activations", "Dense")]:
        if module == "keras.activations":
            continue  # activations are functions, not classes; covered below.
        check_config({"class_name": name, "module": module, "registered_name": None}, source="s")


@pytest.mark.parametrize("module, name", [("keras", "DTypePolicy"), ("keras", "FloatDTypePolicy"),
                                          ("keras", "Sequential"), ("keras", "Functional"), ("keras", "Model")])
def test_listed_keras_classes_pass(module, name):
    check_config({"class_name": name, "module": module, "registered_name": None}, source="s")


@pytest.mark.parametrize("module, name", [
    ("keras", "Layer"),                       # keras itself: only the listed classes.
    ("keras.layersx", "Dense"),               # a module that merely starts with the name.
    ("keras.layers", "deserialize"),          # a function, not a class.
    ("keras.layers", "_private"),             # private names.
    ("keras.activations", "relu"),            # functions again.
    ("os", "system"),
    ("keras.src.layers", "Dense"),
])
def test_anything_else_is_refused_naming_class_and_module(module, name):
    _refused({"class_name": name, "module": module, "registered_name": None},
             rf"^src\.json: refusing to import '{name}' from module '{module}'; only seqzoo classes and Keras "
             r"layers are allowed\.$")


def test_unknown_class_without_module_is_refused():
    _refused({"class_name": "NoSuchLayer", "module": None, "registered_name": None},
             r"refusing to import 'NoSuchLayer' from module None")
    _refused({"class_name": "_Private", "module": None, "registered_name": None}, r"refusing to import '_Private'")


def test_registered_names():
    check_config({"class_name": "LSTM", "module": "x", "registered_name": "seqzoo>LSTM"}, source="s")
    _refused({"class_name": "CharLM", "module": None, "registered_name": "seqzoo>Nope"},
             r"^src\.json: 'seqzoo>Nope' is not a registered seqzoo class\.$")
    _refused({"class_name": "X", "module": None, "registered_name": "seqzoo_evil>X"},
             r"'seqzoo_evil>X' is not a registered seqzoo class")


def test_nested_objects_in_dicts_lists_and_tuples_are_checked():
    bad = {"class_name": "system", "module": "os"}
    for config in ({"a": {"b": bad}}, [1, [bad]], (bad,), {"layers": ({"x": [bad]},)},
                   {"class_name": "Dense", "module": "keras.layers", "config": {"inner": bad}}):
        _refused(config, r"^src\.json: refusing to import 'system' from module 'os'")
    check_config({"a": [1, "x", None, {"b": 2.5}], "c": ()}, source="s")


def test_is_keras_class():
    assert _is_keras_class("keras.layers", "Dense") is True
    assert _is_keras_class("keras.layers", "deserialize") is False
    assert _is_keras_class("keras.layers", "_Missing") is False
    assert _is_keras_class("keras.initializers.foo", "GlorotUniform") is True


# === check_sizes: the size fields and the parameter estimate, with their exact figures ===
def _figure(fields, what, *, limit_variable, labels=None):
    """The figure that check_sizes reports for `what` when its limit is set to 0."""
    config = {"class_name": "RecurrentBackbone", "config": dict(fields)}
    if labels is not None:
        config = {"class_name": "TextClassifier", "config": {"labels": labels, "backbone": config}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(limit_variable, "1")
        with pytest.raises(PresetError) as error:
            check_sizes(config, source="c.json")
    message = str(error.value)
    prefix = f"c.json: {what} = "
    assert message.startswith(prefix), message
    return int(message[len(prefix):].split(" ", 1)[0].replace(",", ""))


def _estimate(fields, labels=None):
    return _figure(fields, "the estimated parameter count", limit_variable="SEQZOO_MAX_PARAMS",
                   labels=labels)


def test_parameter_estimate_of_a_stacked_lstm_char_lm():
    # embedding 10 x 3 = 30; layer 1: 4 gates x (3 + 5 + 2) x 5 = 200; layer 2: 4 x (5 + 5 + 2) x 5 = 240;
    # head: 5 x (10 + 1) = 55 (a char LM's head is as wide as its vocabulary).
    fields = {"architecture": "lstm", "vocabulary_size": 10, "embedding_dim": 3, "hidden_size": 5, "num_layers": 2}
    assert _estimate(fields) == 525
    assert _figure(fields, "vocabulary_size x embedding_dim", limit_variable="SEQZOO_MAX_EMBEDDING_PARAMS") == 30


def test_parameter_estimate_of_a_bidirectional_gru_classifier_with_more_labels_than_words():
    # embedding 30; layer 1: 2 directions x 3 gates x (3 + 5 + 2) x 5 = 300; layer 2 reads 10:
    # 2 x 3 x (10 + 5 + 2) x 5 = 510; head: 10 x (12 labels + 1) = 130.
    fields = {"architecture": "gru", "vocabulary_size": 10, "embedding_dim": 3, "hidden_size": 5, "num_layers": 2,
              "bidirectional": True}
    assert _estimate(fields, labels=[f"l{i}" for i in range(12)]) == 970
    assert _estimate(fields, labels=["a", "b"]) == 30 + 300 + 510 + 10 * 11  # Fewer labels: the vocabulary.


def test_parameter_estimate_of_a_forecaster_reads_feature_dim():
    # No vocabulary: no embedding, the first layer reads feature_dim; simple_rnn has one gate.
    assert _estimate({"architecture": "simple_rnn", "feature_dim": 6, "hidden_size": 4}) == 1 * (6 + 4 + 2) * 4 + 4
    assert _estimate({"architecture": "simple_rnn", "feature_dim": 6, "hidden_size": 4, "embedding_dim": 9}) == 52
    # An unknown architecture counts as four gates, the most of any cell.
    assert _estimate({"architecture": "xyz", "feature_dim": 2, "hidden_size": 3}) == 4 * (2 + 3 + 2) * 3 + 3


def test_parameter_estimate_defaults_and_ignored_values():
    # Missing sizes take the builders' defaults: embedding 64, hidden 256, one layer.
    assert _estimate({"architecture": "lstm", "vocabulary_size": 2}) == 2 * 64 + 4 * (64 + 256 + 2) * 256 + 256 * 3
    # Booleans, strings and values < 1 count as 0: only the head of width feature_dim is left.
    odd = {"architecture": "lstm", "vocabulary_size": True, "embedding_dim": -3, "hidden_size": "8",
           "num_layers": 0, "feature_dim": 2, "bidirectional": 0}
    assert _estimate(odd) == 2
    assert _estimate({**odd, "num_layers": 1, "hidden_size": 1}) == 4 * (2 + 1 + 2) * 1 + 1 * 1
    assert _estimate({**odd, "num_layers": 1, "hidden_size": 1, "bidirectional": "yes"}) == 2 * 4 * 5 + 2


def test_size_fields_are_checked_in_nested_configs_at_their_limits():
    nested = {"class_name": "Model", "config": {"layers": [
        {"class_name": "Embedding", "config": {"input_dim": 2_000_000, "output_dim": 8_192}},
        ({"class_name": "Dense", "config": {"units": 8_192, "flag": True}},),
    ]}}
    with pytest.MonkeyPatch.context() as patch:
        for variable in SIZE_LIMITS:
            patch.delenv(variable, raising=False)
        check_sizes(nested, source="n.json")  # Every value at its limit: accepted.
        nested["config"]["layers"][1][0]["config"]["units"] = 8_193
        with pytest.raises(PresetError) as error:
            check_sizes(nested, source="n.json")
    assert str(error.value) == (
        "n.json: units = 8,193 is over the limit of 8,192 (SEQZOO_MAX_UNITS); the config is corrupt or "
        "hostile. If the model really is this large, raise the limit: export SEQZOO_MAX_UNITS=8193.")


def test_booleans_and_strings_are_not_sizes():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQZOO_MAX_LAYERS", "1")
        check_sizes({"class_name": "X", "config": {"num_layers": True, "hidden_size": "99999999"}}, source="s")
        with pytest.raises(PresetError, match=r"^s: num_layers = 2 is over the limit of 1 \(SEQZOO_MAX_LAYERS\)"):
            check_sizes({"class_name": "X", "config": {"num_layers": 2}}, source="s")
    # A dict without class_name, or whose config is not a dict, is not an object: its fields are not sizes.
    check_sizes({"config": {"num_layers": 10**9}}, source="s")
    check_sizes({"class_name": "X", "config": [{"num_layers": 10**9}]}, source="s")


def test_size_limit_defaults_and_environment(monkeypatch):
    for variable, default in SIZE_LIMITS.items():
        monkeypatch.delenv(variable, raising=False)
        assert size_limit(variable) == default
    assert SIZE_LIMITS == {"SEQZOO_MAX_LAYERS": 16, "SEQZOO_MAX_UNITS": 8_192, "SEQZOO_MAX_VOCABULARY": 2_000_000,
                           "SEQZOO_MAX_EMBEDDING_PARAMS": 100_000_000, "SEQZOO_MAX_PARAMS": 200_000_000}
    monkeypatch.setenv("SEQZOO_MAX_LAYERS", "1")
    assert size_limit("SEQZOO_MAX_LAYERS") == 1
    monkeypatch.setenv("SEQZOO_MAX_LAYERS", "0")
    with pytest.raises(SeqzooError, match="SEQZOO_MAX_LAYERS"):
        size_limit("SEQZOO_MAX_LAYERS")


def test_labels_size_the_head_of_nested_backbones_only():
    backbone = {"class_name": "RecurrentBackbone",
                "config": {"architecture": "lstm", "vocabulary_size": 3, "embedding_dim": 2, "hidden_size": 2}}
    # embedding 6 + 4 x (2 + 2 + 2) x 2 = 48; head 2 x (20 labels + 1) = 42 inside the classifier.
    inside = {"class_name": "TextClassifier", "config": {"labels": list("abcdefghijklmnopqrst"), "backbone": backbone}}
    beside = {"class_name": "Wrapper", "config": {"parts": [
        {"class_name": "TextClassifier", "config": {"labels": list("abcdefghijklmnopqrst")}}, backbone]}}
    for config, want in ((inside, 6 + 48 + 42), (beside, 6 + 48 + 2 * 4)):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SEQZOO_MAX_PARAMS", "1")
            with pytest.raises(PresetError, match=rf"^c\.json: the estimated parameter count = {want} is over"):
                check_sizes(config, source="c.json")


@pytest.mark.parametrize("architecture,task,options", [
    ("lstm", "char_lm", {"texts": ["abc", "abd"], "hidden_size": 8, "num_layers": 2, "embedding_dim": 4}),
    ("gru", "text_classification", {"texts": ["good film", "bad film"], "labels": [f"l{i}" for i in range(40)],
                                    "hidden_size": 6, "embedding_dim": 5, "bidirectional": True}),
    ("simple_rnn", "forecasting", {"feature_names": ["a", "b", "c"], "hidden_size": 7}),
])
def test_the_estimate_bounds_the_recurrent_network_and_its_head(architecture, task, options, monkeypatch):
    """The estimate bounds the recurrent network and the largest head from above. A forecaster's
    normaliser and residual head (O(features x targets)) are left to the per-field limits."""
    import keras

    import seqzoo

    model = seqzoo.build(architecture, task, **options)
    config = keras.saving.serialize_keras_object(model)
    heads = [layer.count_params() for layer in model.layers if layer is not model.backbone]
    counted = model.backbone.count_params() + (0 if task == "forecasting" else max(heads))
    monkeypatch.setenv("SEQZOO_MAX_PARAMS", str(counted - 1))
    with pytest.raises(PresetError, match="estimated parameter count") as error:
        check_sizes(config, source="c.json")
    estimate = int(str(error.value).split(" = ", 1)[1].split(" ", 1)[0].replace(",", ""))
    assert estimate >= counted
    if task == "char_lm":  # No slack in the char LM's count beyond the second bias per gate.
        assert estimate <= counted + 2 * 4 * 8 * 2
