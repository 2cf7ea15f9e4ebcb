"""Datasets for the assignments, in the layout ``keras.datasets.<name>.load_data()`` returns.

Two sizes:

* **full** data, from ``$COURSE_DATA_DIR/<name>.npz`` when an instructor pre-stages it,
  otherwise the standard Keras way (its cache in ``~/.keras/datasets``, or a download);
* **reduced** data: small class-balanced subsets shipped inside this package (built by
  ``scripts/build_reduced_data.py``), used whenever nbgrader executes a notebook so that
  grading is fast, offline and repeatable, or when asked for with ``reduced=True``.

When full data cannot be had offline, the loader says what it tried and falls back to
the reduced data with a warning instead of failing or hanging.
"""

import os
import socket
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from helpers.budget import is_grading

DATA_DIR_ENV = "COURSE_DATA_DIR"
REDUCED_DIR = Path(__file__).parent / "reduced_data"
DOWNLOAD_TIMEOUT_S = 15

CLASS_NAMES = {
    "mnist": [str(digit) for digit in range(10)],
    "fashion_mnist": [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ],
    "cifar10": [
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck",
    ],
}
DATASETS = tuple(CLASS_NAMES)


class FullDataUnavailable(UserWarning):
    """The full dataset could not be loaded; the reduced subset is used instead."""


def class_names(name: str) -> list[str]:
    """Human-readable class names of a dataset, indexed by integer label."""
    _check_name(name)
    return list(CLASS_NAMES[name])


def load_dataset(name: str, reduced: bool | None = None):
    """Load ``(x_train, y_train), (x_test, y_test)`` of ``name`` as uint8 arrays.

    name: "mnist", "fashion_mnist" or "cifar10".
    reduced: True for the shipped subset, False for the full data, None (default) for
        the subset while nbgrader grades and the full data otherwise.

    Images are uint8 0-255 of shape (N, 28, 28) for the MNISTs and (N, 32, 32, 3) for
    CIFAR-10; labels are uint8 0-9 of shape (N,), or (N, 1) for CIFAR-10, as in Keras.
    """
    _check_name(name)
    if reduced is None:
        reduced = is_grading()
    if reduced:
        return load_reduced(name)
    try:
        return load_full(name)
    except OSError as error:
        warnings.warn(f"{error} Using the reduced subset shipped with the course instead.",
                      FullDataUnavailable, stacklevel=2)
        return load_reduced(name)


def load_reduced(name: str):
    """The small class-balanced subset of ``name`` shipped inside this package."""
    _check_name(name)
    return _read_npz(REDUCED_DIR / f"{name}.npz")


def load_full(name: str):
    """The full dataset from ``$COURSE_DATA_DIR`` or through Keras; OSError if neither works."""
    _check_name(name)
    tried = []
    directory = os.environ.get(DATA_DIR_ENV)
    if directory:
        path = Path(directory) / f"{name}.npz"
        if path.is_file():
            return _read_npz(path)
        tried.append(f"no file {path}")
    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT_S):
            return _load_with_keras(name)
    except Exception as error:  # Keras raises a bare Exception for failed downloads
        tried.append(f"Keras could not load it ({error})")
    raise OSError(
        f"Could not load the full {name} data: {'; '.join(tried)}. Put {name}.npz "
        f"(Keras layout) in a folder and set {DATA_DIR_ENV} to it, or connect once to "
        f"the internet so that Keras caches it in ~/.keras/datasets."
    )


def _load_with_keras(name: str):
    import keras  # deferred: importing TensorFlow costs seconds and is not always needed

    return getattr(keras.datasets, name).load_data()


@contextmanager
def _socket_timeout(seconds: float):
    """Bound every socket operation so a missing network fails instead of hanging."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _read_npz(path: Path):
    with np.load(path) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def _check_name(name: str) -> None:
    if name not in CLASS_NAMES:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
