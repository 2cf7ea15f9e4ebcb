"""helpers.data: reduced subsets, full data from a staged folder, offline fallback."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import data

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
IMAGE_SHAPES = {"mnist": (28, 28), "fashion_mnist": (28, 28), "cifar10": (32, 32, 3)}


@pytest.mark.parametrize("name", data.DATASETS)
def test_reduced_data_is_keras_shaped_balanced_and_stable(name):
    (x_train, y_train), (x_test, y_test) = data.load_dataset(name, reduced=True)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        assert x.shape[1:] == IMAGE_SHAPES[name]
        assert y.shape == ((len(x), 1) if name == "cifar10" else (len(x),))
        counts = np.bincount(y.reshape(-1), minlength=10)
        assert len(counts) == 10 and np.all(counts == counts[0]), counts
        assert x.max() > 200  # real images, not a blank array
    (again_x, again_y), _ = data.load_dataset(name, reduced=True)
    np.testing.assert_array_equal(again_x, x_train)
    np.testing.assert_array_equal(again_y, y_train)
    assert len(data.class_names(name)) == 10


def test_grading_mode_selects_reduced_data(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    (x_train, _), _ = data.load_dataset("mnist")
    assert len(x_train) == 3000


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match="unknown dataset 'cifar100'.*mnist, fashion_mnist, cifar10"):
        data.load_dataset("cifar100")


def test_offline_without_staged_data_falls_back_with_one_clear_warning(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "_load_with_keras", _no_network)
    with pytest.warns(data.FullDataUnavailable) as caught:
        (x_train, _), _ = data.load_dataset("fashion_mnist", reduced=False)
    message = str(caught[0].message)
    assert f"no file {tmp_path / 'fashion_mnist.npz'}" in message
    assert "COURSE_DATA_DIR" in message and "reduced subset" in message
    assert len(x_train) == 3000


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"development data not found at {SHARED_DATA}")
@pytest.mark.parametrize("name", data.DATASETS)
def test_full_data_from_staged_folder(monkeypatch, name):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(SHARED_DATA))
    (x_train, y_train), (x_test, _) = data.load_dataset(name, reduced=False)
    expected_train = {"mnist": 60000, "fashion_mnist": 60000, "cifar10": 5000}[name]
    assert x_train.shape == (expected_train, *IMAGE_SHAPES[name])
    assert len(y_train) == expected_train and len(x_test) > 1000


def test_reduced_subsets_rebuild_identically(tmp_path):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"development data not found at {SHARED_DATA}")
    script = Path(__file__).resolve().parent.parent / "scripts" / "build_reduced_data.py"
    subprocess.run([sys.executable, script, SHARED_DATA, "--output", tmp_path], check=True,
                   capture_output=True)
    for name in data.DATASETS:
        with np.load(tmp_path / f"{name}.npz") as rebuilt, np.load(data.REDUCED_DIR / f"{name}.npz") as shipped:
            for key in ("x_train", "y_train", "x_test", "y_test"):
                np.testing.assert_array_equal(rebuilt[key], shipped[key])


def _no_network(name):
    raise Exception(f"URL fetch failure on https://example.invalid/{name}: None -- no network")
