"""Figures for the notebooks: every one has a title and labelled axes, returns its
matplotlib Figure, and works headless.

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot, so
nothing here touches pyplot's global state or selects a backend, a figure is
freed once nothing refers to it, and a figure returned as the last expression
of a notebook cell is shown exactly once. Save one with ``fig.savefig(path)``.
A notebook must run ``%matplotlib inline`` once (e.g. in its setup cell): that
is what makes IPython show a returned Figure as an image rather than as the
text ``<Figure size ...>``.
"""

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

ACCURACY_KEYS = (
    "accuracy",
    "acc",
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "binary_accuracy",
)


def plot_history(history, title="Training history"):
    """Plot loss, and accuracy if recorded, per epoch for training and validation.

    history: a keras.callbacks.History (what model.fit returns) or its .history
        dict mapping metric name to a list of per-epoch floats; must have "loss",
        and "val_..." keys are drawn dashed as validation curves.
    """
    logs = _history_dict(history, "loss")
    keys = ["loss"] + [key for key in [_accuracy_key(logs)] if key]
    fig = Figure(figsize=(5 * len(keys), 3.8), layout="constrained")
    fig.suptitle(title)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(1, len(keys), i + 1)
        _plot_curve(ax, logs[key], "-", label="train")
        if len(logs.get(f"val_{key}", [])):
            _plot_curve(ax, logs[f"val_{key}"], "--", label="validation")
        ax.set_title("Loss" if key == "loss" else "Accuracy")
        ax.set_xlabel("Epoch")
        ax.set_ylabel(key)
        ax.legend()
    return fig


def plot_runs(histories, metric="loss", title=None, labels=None):
    """Plot one metric per epoch for several training runs on one axis.

    histories: list of keras.callbacks.History or .history dicts, one per run;
        each must record `metric`; "val_<metric>" is drawn dashed when present.
    labels: optional list of legend labels, one per run (default "run 1", ...).
    """
    if isinstance(histories, Mapping) or hasattr(histories, "history"):
        raise TypeError("plot_runs expects a list of histories; use plot_history for one run")
    runs = [_history_dict(history, metric) for history in histories]
    if not runs:
        raise ValueError("plot_runs needs at least one history")
    labels = [f"run {i + 1}" for i in range(len(runs))] if labels is None else list(labels)
    if len(labels) != len(runs):
        raise ValueError(f"got {len(labels)} labels for {len(runs)} histories")
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.add_subplot()
    for i, (logs, label) in enumerate(zip(runs, labels)):
        colour = f"C{i % 10}"
        _plot_curve(ax, logs[metric], "-", color=colour, label=f"{label} (train)")
        if len(logs.get(f"val_{metric}", [])):
            _plot_curve(ax, logs[f"val_{metric}"], "--", color=colour, label=f"{label} (validation)")
    ax.set_title(title or f"{metric} per epoch, {len(runs)} runs")
    ax.set_xlabel("Epoch")
    ax.set_ylabel(metric)
    ax.legend(fontsize="small")
    return fig


def plot_sweep(values, results, xlabel, ylabel="Accuracy", title=None, log_x=False):
    """Plot mean ± std of each result series against a swept hyperparameter.

    values: sequence of length V of the swept setting, numbers (e.g. learning
        rates, joined by lines) or strings (e.g. activation names, unjoined
        points at evenly spaced ticks).
    results: dict mapping series label (e.g. "train", "test") to either an
        array of shape (V, n_runs), one row per value, or a tuple
        (means, stds) of two arrays of shape (V,).
    """
    values = list(values)
    if not values:
        raise ValueError("plot_sweep needs at least one swept value")
    if not results:
        raise ValueError("plot_sweep needs at least one result series")
    categorical = any(isinstance(value, str) for value in values)
    if categorical and log_x:
        raise ValueError("log_x needs numeric values, got strings")
    x = np.arange(len(values)) if categorical else np.asarray(values, dtype=float)
    if log_x and np.any(x <= 0):
        raise ValueError("log_x needs all values > 0")
    order = np.argsort(x)
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.add_subplot()
    for label, result in results.items():
        means, stds = _means_stds(result, len(values), label)
        ax.errorbar(
            x[order], means[order], yerr=stds[order], marker="o", capsize=4,
            linestyle="none" if categorical else "-", label=label,
        )
    if categorical:
        ax.set_xticks(x, [str(value) for value in values])
    if log_x:
        ax.set_xscale("log")
    ax.set_title(title or f"{ylabel} vs {xlabel} (mean ± std)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


def plot_image_grid(images, titles=None, ncols=10, title="Images", cmap="gray"):
    """Show a batch of images in a grid, each with a small title.

    images: array of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3),
        uint8 0-255 or float 0-1.
    titles: list of N strings (e.g. labels or "pred 3 / true 5"); default the index.
    """
    images = _image_batch(images)
    if titles is None:
        titles = [str(i) for i in range(len(images))]
    if len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    return _image_grid(images, titles, ncols, title, cmap)


def plot_confusion_matrix(cm, class_names, title="Confusion matrix", normalize=False):
    """Draw a confusion matrix as a heat map with the value written in each cell.

    cm: int array of shape (K, K), cm[i, j] = number of examples of true class i
        predicted as class j (e.g. from sklearn.metrics.confusion_matrix).
    class_names: list of K strings.
    normalize: if True, show each row as fractions 0-1 of its true class.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm must be a non-empty square (K, K) array, got shape {cm.shape}")
    k = cm.shape[0]
    if len(class_names) != k:
        raise ValueError(f"got {len(class_names)} class names for a {k}x{k} confusion matrix")
    if normalize:
        totals = cm.sum(axis=1, keepdims=True)
        shown = cm / np.where(totals == 0, 1, totals)
        fmt, bar_label, vmax = ".2f", "Fraction of true class", 1.0
    else:
        shown = cm
        fmt = "d" if np.issubdtype(cm.dtype, np.integer) else ".3g"
        bar_label, vmax = "Count", None
    size = max(4.5, 0.55 * k + 2.5)
    fig = Figure(figsize=(size + 1, size), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=vmax)
    fig.colorbar(image, ax=ax, label=bar_label)
    for (row, col), value in np.ndenumerate(shown):
        colour = "white" if image.norm(value) > 0.5 else "black"
        ax.text(col, row, format(value, fmt), ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), class_names)
    ax.set_title(title)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    return fig


def plot_first_layer_weights(weights, image_shape, title="First-layer weights", ncols=8, max_units=64):
    """Show what each first-layer unit responds to, one image per unit.

    weights: float array, either a dense kernel of shape (D, units) with
        D = prod(image_shape) (one column per unit), or a conv kernel of shape
        (kh, kw, C, filters) with C = 1 or 3. Each unit is min-max scaled to 0-1.
    image_shape: (H, W) or (H, W, C) with C = 1 or 3, the input image shape the
        dense kernel is reshaped to; ignored for a conv kernel (may be None).
    max_units: show only the first max_units units.
    """
    weights = np.asarray(weights, dtype=float)
    if max_units < 1:
        raise ValueError(f"max_units must be at least 1, got {max_units}")
    if weights.ndim == 2:
        if image_shape is None or int(np.prod(image_shape)) != weights.shape[0]:
            raise ValueError(
                f"dense weights of shape {weights.shape} need image_shape with "
                f"{weights.shape[0]} pixels, got {image_shape}"
            )
        units = weights.T.reshape(-1, *image_shape)
    elif weights.ndim == 4:
        units = np.moveaxis(weights, -1, 0)
    else:
        raise ValueError(
            f"weights must have shape (D, units) or (kh, kw, C, filters), got {weights.shape}"
        )
    units = _image_batch(units[:max_units])
    pixel_axes = tuple(range(1, units.ndim))
    low = units.min(axis=pixel_axes, keepdims=True)
    span = units.max(axis=pixel_axes, keepdims=True) - low
    scaled = (units - low) / np.where(span == 0, 1, span)
    return _image_grid(scaled, [f"unit {i}" for i in range(len(scaled))], ncols, title, "gray")


def _history_dict(history, metric):
    """Return the metric dict of a History or dict, checking `metric` has epochs."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError(f"expected a keras History or a dict of metric lists, got {type(history).__name__}")
    if metric not in logs:
        raise ValueError(f"history has no {metric!r} key (keys: {sorted(logs)}); was the model fitted?")
    if len(logs[metric]) == 0:
        raise ValueError(f"history is empty: {metric!r} has no epochs")
    return logs


def _accuracy_key(logs):
    """Return the accuracy-like training metric in logs, or None."""
    for key in ACCURACY_KEYS:
        if key in logs:
            return key
    return next((key for key in logs if "acc" in key and not key.startswith("val_")), None)


def _plot_curve(ax, values, linestyle, **kwargs):
    """Plot per-epoch values against epochs 1..n, with markers when few."""
    epochs = np.arange(1, len(values) + 1)
    marker = "o" if len(values) <= 20 else None
    ax.plot(epochs, values, linestyle=linestyle, marker=marker, markersize=4, **kwargs)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _means_stds(result, n_values, label):
    """Return (means, stds), each of shape (n_values,), for one sweep series."""
    if isinstance(result, tuple):
        if len(result) != 2:
            raise ValueError(f"series {label!r}: a tuple must be (means, stds)")
        means, stds = (np.asarray(part, dtype=float) for part in result)
    else:
        runs = np.asarray(result, dtype=float)
        if runs.ndim != 2:
            raise ValueError(f"series {label!r}: expected shape ({n_values}, n_runs), got {runs.shape}")
        means, stds = runs.mean(axis=1), runs.std(axis=1)
    if means.shape != (n_values,) or stds.shape != (n_values,):
        raise ValueError(
            f"series {label!r}: need one result per swept value ({n_values}), "
            f"got means of shape {means.shape} and stds of shape {stds.shape}"
        )
    return means, stds


def _image_batch(images):
    """Return images as (N, H, W) or (N, H, W, 3), checking the shape."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise ValueError(
            f"images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), got {images.shape}"
        )
    if len(images) == 0:
        raise ValueError("no images to plot")
    return images


def _image_grid(images, titles, ncols, title, cmap):
    """Lay out checked images in rows of ncols axes, ticks off, titled."""
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    fig = Figure(figsize=(max(3.0, 1.3 * ncols), 1.5 * nrows + 0.5), layout="constrained")
    fig.suptitle(title)
    vmax = 255 if np.issubdtype(images.dtype, np.integer) else 1
    for i, (image, image_title) in enumerate(zip(images, titles)):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        if image.ndim == 2:
            ax.imshow(image, cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest")
        else:
            ax.imshow(image, interpolation="nearest")
        ax.set_title(image_title, fontsize=8)
        ax.axis("off")
    return fig
