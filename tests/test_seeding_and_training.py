"""helpers.seeding, helpers.training and helpers.budget."""

import keras
import numpy as np
import pytest

from helpers.budget import budget, is_grading
from helpers.seeding import seed_everything
from helpers.training import sweep, timed_fit, train_runs

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 8)).astype("float32")
Y = (X[:, 0] > 0).astype("int64")


def tiny_model(width=4):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def trained_weights(seed):
    seed_everything(seed)
    model = tiny_model()
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    return model.get_weights()


def test_same_seed_gives_identical_weights_and_other_seeds_differ():
    first, second, other = trained_weights(1), trained_weights(1), trained_weights(2)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(first, other))


def test_train_runs_returns_one_history_per_run_and_is_repeatable(capsys):
    histories = train_runs(tiny_model, X, Y, runs=3, epochs=2, seed=5, batch_size=16)
    assert len(histories) == 3 and all(len(h["loss"]) == 2 for h in histories)
    progress = capsys.readouterr().out.splitlines()  # one line per run, as it ends
    assert [line.split(":")[0] for line in progress] == ["run 1/3", "run 2/3", "run 3/3"]
    assert f"loss {histories[2]['loss'][-1]:.3f} after 2 epochs" in progress[2]
    assert len({h["loss"][-1] for h in histories}) == 3  # runs differ from each other
    again = train_runs(tiny_model, X, Y, runs=3, epochs=2, seed=5, batch_size=16)
    assert [h["loss"] for h in histories] == [h["loss"] for h in again]


def test_sweep_gives_train_and_test_arrays_per_value_and_run(capsys):
    results = sweep([2, 8], tiny_model, (X, Y), (X[:32], Y[:32]), runs=2, epochs=1, batch_size=16)
    progress = capsys.readouterr().out.splitlines()  # one line per model, as it ends
    assert [line.split(":")[0] for line in progress] == ["2, run 1/2", "2, run 2/2", "8, run 1/2", "8, run 2/2"]
    assert f"test accuracy {results['test'][1, 1]:.3f}" in progress[3]
    assert set(results) == {"train", "test"}
    assert results["train"].shape == (2, 2) and results["test"].shape == (2, 2)
    assert np.all((results["test"] >= 0) & (results["test"] <= 1))


def test_timed_fit_measures_the_fit():
    history, seconds = timed_fit(tiny_model(), X, Y, epochs=1, verbose=0)
    assert "loss" in history.history and 0 < seconds < 60


@pytest.mark.parametrize("value, expected", [("", False), ("autograde", True)])
def test_budget_shrinks_only_under_grading(monkeypatch, value, expected):
    monkeypatch.setenv("NBGRADER_EXECUTION", value)
    assert is_grading() is expected
    assert budget(20, 2) == (2 if expected else 20)
