"""Tests for helpers.plotting: each figure is a titled, labelled Figure that saves headless."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import plotting

REPO_ROOT = Path(__file__).resolve().parents[1]

HISTORY = {
    "loss": [1.2, 0.8, 0.6],
    "accuracy": [0.5, 0.7, 0.8],
    "val_loss": [1.3, 0.9, 0.8],
    "val_accuracy": [0.45, 0.65, 0.7],
}


def colorbar_axes(fig):
    """Return the axes that hold colorbars in fig."""
    return [
        image.colorbar.ax
        for ax in fig.axes
        for image in ax.images
        if image.colorbar is not None
    ]


def assert_labelled(fig, tmp_path, n_axes):
    """Check fig is a Figure whose plot axes are titled and labelled, and saves as PNG."""
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax not in colorbar_axes(fig)]
    assert len(axes) == n_axes
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert_saves(fig, tmp_path)


def assert_image_grid(fig, tmp_path, title, titles):
    """Check an image-grid Figure has a suptitle and one titled axes per image."""
    assert isinstance(fig, Figure)
    assert fig.get_suptitle() == title
    assert [ax.get_title() for ax in fig.axes] == titles
    assert all(len(ax.images) == 1 for ax in fig.axes)
    assert_saves(fig, tmp_path)


def assert_saves(fig, tmp_path):
    path = tmp_path / "figure.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def legend_labels(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_import_does_not_load_pyplot():
    code = "import sys, helpers.plotting; assert 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_plot_history_loss_and_accuracy(tmp_path):
    fig = plotting.plot_history(HISTORY, title="My run")
    assert fig.get_suptitle() == "My run"
    assert_labelled(fig, tmp_path, n_axes=2)
    loss_ax, acc_ax = fig.axes
    assert legend_labels(loss_ax) == ["train", "validation"]
    assert acc_ax.get_ylabel() == "accuracy"
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3])


def test_plot_history_loss_only_without_validation(tmp_path):
    fig = plotting.plot_history({"loss": [1.0, 0.5]})
    assert_labelled(fig, tmp_path, n_axes=1)
    assert legend_labels(fig.axes[0]) == ["train"]


@pytest.mark.parametrize("key", ["acc", "sparse_categorical_accuracy", "categorical_accuracy"])
def test_plot_history_finds_accuracy_key(key, tmp_path):
    fig = plotting.plot_history({"loss": [1.0, 0.5], key: [0.2, 0.4], f"val_{key}": [0.1, 0.3]})
    assert_labelled(fig, tmp_path, n_axes=2)
    assert fig.axes[1].get_ylabel() == key
    assert len(fig.axes[1].lines) == 2


def test_plot_history_accepts_keras_history(tmp_path):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 2, size=32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
    fig = plotting.plot_history(history)
    assert_labelled(fig, tmp_path, n_axes=2)
    assert all(len(ax.lines) == 2 for ax in fig.axes)


@pytest.mark.parametrize(
    "history, message",
    [({}, "no 'loss' key"), ({"accuracy": [0.5]}, "no 'loss' key"), ({"loss": []}, "empty")],
)
def test_plot_history_rejects_missing_or_empty_loss(history, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_history(history)


def test_plot_runs(tmp_path):
    runs = [HISTORY, {"loss": [0.9, 0.7, 0.65, 0.6]}]
    fig = plotting.plot_runs(runs)
    assert_labelled(fig, tmp_path, n_axes=1)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Epoch", "loss")
    train, val, other = ax.lines
    assert (train.get_linestyle(), val.get_linestyle()) == ("-", "--")
    assert train.get_color() == val.get_color() != other.get_color()


def test_plot_runs_metric_labels_and_title(tmp_path):
    fig = plotting.plot_runs([HISTORY, HISTORY], metric="accuracy", title="Two", labels=["a", "b"])
    assert_labelled(fig, tmp_path, n_axes=1)
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_ylabel()) == ("Two", "accuracy")
    assert legend_labels(ax)[0] == "a (train)"


def test_plot_runs_errors():
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_runs([])
    with pytest.raises(ValueError, match="no 'accuracy' key"):
        plotting.plot_runs([{"loss": [1.0]}], metric="accuracy")
    with pytest.raises(ValueError, match="1 labels for 2 histories"):
        plotting.plot_runs([HISTORY, HISTORY], labels=["a"])
    with pytest.raises(TypeError, match="list of histories"):
        plotting.plot_runs(HISTORY)


def test_plot_sweep_numeric_log_x(tmp_path):
    values = [1e-3, 1e-2, 1e-1]
    runs = np.array([[0.6, 0.62], [0.8, 0.84], [0.7, 0.5]])
    fig = plotting.plot_sweep(values, {"train": runs, "test": runs - 0.05}, "Learning rate", log_x=True)
    assert_labelled(fig, tmp_path, n_axes=1)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Learning rate", "Accuracy")
    assert legend_labels(ax) == ["train", "test"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), runs.mean(axis=1))


def test_plot_sweep_categorical_with_means_and_stds(tmp_path):
    names = ["relu", "tanh", "sigmoid"]
    results = {"test": (np.array([0.9, 0.85, 0.8]), np.array([0.01, 0.02, 0.03]))}
    fig = plotting.plot_sweep(names, results, "Activation", title="Activations")
    assert_labelled(fig, tmp_path, n_axes=1)
    ax = fig.axes[0]
    assert ax.get_title() == "Activations"
    assert [label.get_text() for label in ax.get_xticklabels()] == names


def test_plot_sweep_errors():
    runs = np.zeros((3, 2))
    with pytest.raises(ValueError, match="one result per swept value"):
        plotting.plot_sweep([1, 2], {"test": runs}, "x")
    with pytest.raises(ValueError, match="expected shape"):
        plotting.plot_sweep([1, 2, 3], {"test": np.zeros(3)}, "x")
    with pytest.raises(ValueError, match="one result per swept value"):
        plotting.plot_sweep([1, 2, 3], {"test": (np.zeros(3), np.zeros(2))}, "x")
    with pytest.raises(ValueError, match="at least one swept value"):
        plotting.plot_sweep([], {"test": runs}, "x")
    with pytest.raises(ValueError, match="at least one result series"):
        plotting.plot_sweep([1, 2, 3], {}, "x")
    with pytest.raises(ValueError, match="numeric"):
        plotting.plot_sweep(["a", "b", "c"], {"test": runs}, "x", log_x=True)
    with pytest.raises(ValueError, match="> 0"):
        plotting.plot_sweep([0, 1, 2], {"test": runs}, "x", log_x=True)


@pytest.mark.parametrize(
    "shape, dtype",
    [((5, 8, 8), np.uint8), ((5, 8, 8, 1), np.float32), ((5, 8, 8, 3), np.uint8), ((5, 8, 8, 3), np.float32)],
)
def test_plot_image_grid_shapes(shape, dtype, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=shape).astype(dtype)
    if dtype == np.float32:
        images /= 255
    fig = plotting.plot_image_grid(images, ncols=2)
    assert_image_grid(fig, tmp_path, "Images", ["0", "1", "2", "3", "4"])


def test_plot_image_grid_titles(tmp_path):
    titles = ["cat", "dog", "cat"]
    fig = plotting.plot_image_grid(np.zeros((3, 4, 4)), titles=titles, title="Pets")
    assert_image_grid(fig, tmp_path, "Pets", titles)


def test_plot_image_grid_errors():
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        plotting.plot_image_grid(np.zeros((3, 4, 4)), titles=["a", "b"])
    with pytest.raises(ValueError, match="must have shape"):
        plotting.plot_image_grid(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="must have shape"):
        plotting.plot_image_grid(np.zeros((2, 4, 4, 2)))
    with pytest.raises(ValueError, match="no images"):
        plotting.plot_image_grid(np.zeros((0, 4, 4)))
    with pytest.raises(ValueError, match="ncols"):
        plotting.plot_image_grid(np.zeros((2, 4, 4)), ncols=0)


@pytest.mark.parametrize("normalize", [False, True])
def test_plot_confusion_matrix(normalize, tmp_path):
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 0]])
    names = ["cat", "dog", "bird"]
    fig = plotting.plot_confusion_matrix(cm, names, normalize=normalize)
    assert_labelled(fig, tmp_path, n_axes=1)
    assert len(colorbar_axes(fig)) == 1
    ax = [ax for ax in fig.axes if ax not in colorbar_axes(fig)][0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted class", "True class")
    assert [label.get_text() for label in ax.get_xticklabels()] == names
    cells = [text.get_text() for text in ax.texts]
    assert len(cells) == 9
    assert cells[:3] == (["0.83", "0.17", "0.00"] if normalize else ["5", "1", "0"])
    assert cells[-1] == ("0.00" if normalize else "0")


def test_plot_confusion_matrix_errors():
    with pytest.raises(ValueError, match="square"):
        plotting.plot_confusion_matrix(np.zeros((2, 3), dtype=int), ["a", "b"])
    with pytest.raises(ValueError, match="3 class names for a 2x2"):
        plotting.plot_confusion_matrix(np.zeros((2, 2), dtype=int), ["a", "b", "c"])


def test_plot_first_layer_weights_dense(tmp_path):
    weights = np.random.default_rng(0).normal(size=(6 * 5, 70))
    weights[:, 1] = 3.0  # a constant unit must not divide by zero
    fig = plotting.plot_first_layer_weights(weights, (6, 5), max_units=10, ncols=5)
    assert_image_grid(fig, tmp_path, "First-layer weights", [f"unit {i}" for i in range(10)])
    shown = [np.asarray(ax.images[0].get_array()) for ax in fig.axes]
    assert shown[0].shape == (6, 5)
    assert shown[0].min() == 0 and shown[0].max() == 1
    assert np.all(np.isfinite(shown[1]))


def test_plot_first_layer_weights_dense_rgb_and_conv(tmp_path):
    rng = np.random.default_rng(0)
    fig = plotting.plot_first_layer_weights(rng.normal(size=(4 * 4 * 3, 3)), (4, 4, 3))
    assert_image_grid(fig, tmp_path, "First-layer weights", ["unit 0", "unit 1", "unit 2"])
    assert fig.axes[0].images[0].get_array().shape == (4, 4, 3)
    fig = plotting.plot_first_layer_weights(rng.normal(size=(3, 3, 1, 4)), None, title="Filters")
    assert_image_grid(fig, tmp_path, "Filters", [f"unit {i}" for i in range(4)])
    assert fig.axes[0].images[0].get_array().shape == (3, 3)


def test_plot_first_layer_weights_errors():
    with pytest.raises(ValueError, match="need image_shape with 20 pixels"):
        plotting.plot_first_layer_weights(np.zeros((20, 3)), (4, 4))
    with pytest.raises(ValueError, match="must have shape"):
        plotting.plot_first_layer_weights(np.zeros((20,)), (4, 5))
    with pytest.raises(ValueError, match="max_units"):
        plotting.plot_first_layer_weights(np.zeros((20, 3)), (4, 5), max_units=0)
    with pytest.raises(ValueError, match="must have shape"):
        plotting.plot_first_layer_weights(np.zeros((3, 3, 2, 4)), None)
