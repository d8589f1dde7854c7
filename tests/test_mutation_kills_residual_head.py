"""ResidualHead: its weights, `adapt`, the arithmetic of `call`, its shapes and config, pinned exactly."""
import numpy as np
import pytest

from seqzoo.errors import InputError
from seqzoo.models.residual_head import ResidualHead


def built_head(indices=(2, 0), hidden=3):
    head = ResidualHead(list(indices))
    head.build((None, hidden), (None, 4, 3))
    return head


def test_build_adds_untrained_change_statistics():
    head = built_head()
    assert head.change_mean.name == "change_mean" and head.change_std.name == "change_std"
    assert not head.change_mean.trainable and not head.change_std.trainable
    np.testing.assert_array_equal(head.change_mean.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(head.change_std.numpy(), [1.0, 1.0])
    assert head.built and head.change.built and head.change.units == 2
    assert [w.name for w in head.trainable_weights] == ["kernel", "bias"]


def test_adapt_stores_the_mean_and_standard_deviation_with_a_floor():
    head = built_head()
    changes = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    head.adapt(changes)
    np.testing.assert_allclose(head.change_mean.numpy(), [3.0, 5.0])
    np.testing.assert_allclose(head.change_std.numpy(), [np.std([1.0, 3.0, 5.0]), 1e-3], rtol=1e-6)
    head.adapt([[0.0, 0.0], [0.002, 0.0]])  # std 0.001 exactly: kept, not floored away.
    np.testing.assert_allclose(head.change_std.numpy(), [1e-3, 1e-3], rtol=1e-5)


@pytest.mark.parametrize("changes", [np.zeros((0, 2)), np.zeros((3, 3)), np.zeros(2), np.zeros((1, 2, 1))])
def test_adapt_refuses_changes_of_the_wrong_shape(changes):
    head = built_head()
    with pytest.raises(InputError, match=r"^Expected changes of shape \[N, 2\], got \(.*\)\.$"):
        head.adapt(changes)
    np.testing.assert_array_equal(head.change_std.numpy(), [1.0, 1.0])


def test_call_is_last_value_plus_mean_plus_std_times_the_dense_change():
    head = built_head(indices=(2, 0), hidden=3)
    kernel = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], "float32")
    head.change.set_weights([kernel, np.array([0.5, -0.5], "float32")])
    head.change_mean.assign([10.0, 20.0])
    head.change_std.assign([2.0, 3.0])
    hidden = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], "float32")
    history = np.zeros((2, 4, 3), "float32")
    history[:, -1] = [[7.0, 8.0, 9.0], [-1.0, -2.0, -3.0]]  # Only the last step's target columns count.
    history[:, 0] = 100.0
    change = hidden @ kernel + [0.5, -0.5]
    want = history[:, -1][:, [2, 0]] + [10.0, 20.0] + [2.0, 3.0] * change
    np.testing.assert_allclose(want[0], [9.0 + 10.0 + 2.0 * 4.5, 7.0 + 20.0 + 3.0 * 6.5])
    np.testing.assert_allclose(np.asarray(head(hidden, history)), want, rtol=1e-6)


def test_output_shape_and_config_round_trip():
    head = ResidualHead([3, 1, 2])
    assert head.compute_output_shape((5, 8)) == (5, 3)
    assert head.compute_output_shape((None, 8), (None, 7, 4)) == (None, 3)
    config = head.get_config()
    assert config["target_indices"] == [3, 1, 2]
    assert ResidualHead.from_config(config).target_indices == [3, 1, 2]
    assert ResidualHead(np.array([1, 0])).target_indices == [1, 0]
    assert all(type(i) is int for i in ResidualHead(np.array([1, 0])).target_indices)
