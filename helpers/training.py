"""Training patterns the notebooks repeat: fresh models per run, sweeps, timed fits."""

import time
from typing import Callable, Sequence

import numpy as np

from helpers.seeding import seed_everything


def train_runs(build_model: Callable, x, y, *, runs: int, epochs: int, seed: int = 0,
               **fit_kwargs) -> list[dict]:
    """Train ``runs`` freshly built models and return each one's history dict.

    build_model: called with no argument, returns a compiled keras Model.
    x, y: training inputs and targets, as ``model.fit`` takes them.
    Run ``i`` is seeded with ``seed + i``, so the spread between runs comes only from the
    initial weights and the shuffling, and the whole experiment is repeatable.
    Extra keyword arguments (batch_size, validation_data, ...) go to ``model.fit``.
    Prints one line per run: its last epoch's metrics and how long it took.
    """
    histories = []
    for run in range(runs):
        seed_everything(seed + run)
        model = build_model()
        start = time.perf_counter()
        history = model.fit(x, y, epochs=epochs, verbose=0, **fit_kwargs)
        histories.append(history.history)
        last = ", ".join(f"{name} {values[-1]:.3f}" for name, values in history.history.items())
        print(f"run {run + 1}/{runs}: {last} after {epochs} epochs ({time.perf_counter() - start:.0f} s)")
    return histories


def sweep(values: Sequence, build_model: Callable, train_data, test_data, *, runs: int,
          epochs: int, seed: int = 0, metric: str = "accuracy",
          **fit_kwargs) -> dict[str, np.ndarray]:
    """Final train and test ``metric`` of models built for each swept value, ``runs`` times each.

    build_model: called with one of ``values`` (a width, a learning rate, an activation
        name, an L2 factor...), returns a model compiled with ``metric`` among its metrics.
    train_data, test_data: ``(x, y)`` pairs.
    Returns {"train": array, "test": array}, each of shape (len(values), runs), ready for
    ``helpers.plotting.plot_sweep``; ``.mean(axis=1)`` and ``.std(axis=1)`` summarise.
    Prints one line per model trained: the value, the run, its scores and its time.
    """
    results = {"train": np.zeros((len(values), runs)), "test": np.zeros((len(values), runs))}
    for i, value in enumerate(values):
        for run in range(runs):
            seed_everything(seed + run)
            model = build_model(value)
            start = time.perf_counter()
            model.fit(*train_data, epochs=epochs, verbose=0, **fit_kwargs)
            for split, (x, y) in (("train", train_data), ("test", test_data)):
                scores = model.evaluate(x, y, verbose=0, return_dict=True)
                results[split][i, run] = scores[metric]
            print(f"{value!r}, run {run + 1}/{runs}: train {metric} {results['train'][i, run]:.3f}, "
                  f"test {metric} {results['test'][i, run]:.3f} ({time.perf_counter() - start:.0f} s)")
    return results


def timed_fit(model, *args, **kwargs):
    """``model.fit(*args, **kwargs)`` and the wall time it took, as ``(history, seconds)``."""
    start = time.perf_counter()
    history = model.fit(*args, **kwargs)
    return history, time.perf_counter() - start
