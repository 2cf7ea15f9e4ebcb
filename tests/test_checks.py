"""Tests for helpers.checks: each check returns None on a right answer and, on a wrong one,
raises an AssertionError whose message says what was expected and what was got."""

import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from helpers import checks

REPO_ROOT = Path(__file__).resolve().parents[1]


def mlp(hidden=(32,), input_layer=True):
    """A classifier of 28x28 images: Flatten, a Dense(relu) per hidden size, Dense(10) logits."""
    layers = [keras.Input((28, 28))] if input_layer else []
    layers.append(keras.layers.Flatten())
    layers += [keras.layers.Dense(units, activation="relu") for units in hidden]
    layers.append(keras.layers.Dense(10))
    return keras.Sequential(layers)


def compiled_mlp():
    """mlp() compiled as a course notebook would: SGD(0.1), sparse cross-entropy, accuracy."""
    model = mlp()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def tiny_model(**compile_kwargs):
    """A 4 -> 3 Dense model, compiled with compile_kwargs when given."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    if compile_kwargs:
        model.compile(**compile_kwargs)
    return model


@pytest.fixture(scope="module")
def fitted():
    """compiled_mlp() after one epoch on 32 random images, and the History fit() returned."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((32, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=32)
    model = compiled_mlp()
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    return model, history


# --- numpy checks -----------------------------------------------------------------------


def test_assert_array():
    assert checks.assert_array(np.zeros(3)) is None
    with pytest.raises(AssertionError, match="result: expected a numpy array, got list"):
        checks.assert_array([1.0, 2.0])
    with pytest.raises(AssertionError, match="got NoneType — did you forget to return it"):
        checks.assert_array(None, name="normalize_images(x)")


def test_assert_shape():
    x = np.zeros((100, 10))
    assert checks.assert_shape(x, (100, 10)) is None
    assert checks.assert_shape(x, (None, 10)) is None
    message = re.escape("normalize_images(x): expected shape (100, 10), got (100, 8)")
    with pytest.raises(AssertionError, match=message):
        checks.assert_shape(np.zeros((100, 8)), (100, 10), name="normalize_images(x)")
    with pytest.raises(AssertionError, match=re.escape("expected shape (None, 10), got (1000,)")):
        checks.assert_shape(np.zeros(1000), (None, 10))


def test_assert_dtype():
    x = np.zeros(3, dtype=np.float32)
    for expected in (np.float32, "float32", np.dtype("float32"), np.floating, np.number):
        assert checks.assert_dtype(x, expected) is None
    assert checks.assert_dtype(np.zeros(3, dtype=np.uint8), np.integer) is None
    with pytest.raises(AssertionError, match="result: expected a floating dtype, got uint8"):
        checks.assert_dtype(np.zeros(3, dtype=np.uint8), np.floating)
    with pytest.raises(AssertionError, match="expected dtype float32, got float64"):
        checks.assert_dtype(np.zeros(3), np.float32)


def test_assert_close():
    expected = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert checks.assert_close(expected + 1e-9, expected) is None
    assert checks.assert_close(2.5, 2.5) is None
    assert checks.assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) is None
    wrong = expected.copy()
    wrong[1, 2] += 0.5
    wrong[0, 1] += 0.25
    with pytest.raises(AssertionError) as info:
        checks.assert_close(wrong, expected, name="softmax(x)")
    message = str(info.value)
    assert message.startswith("softmax(x): 2 of 6 values differ")
    assert "max absolute difference 0.5 at index (1, 2): got 5.5, expected 5" in message
    assert "First mismatches: at index (0, 1): got 1.25, expected 1" in message


def test_assert_close_checks_shape_and_kind_first():
    with pytest.raises(AssertionError, match=re.escape("expected shape (2, 3), got (3, 2)")):
        checks.assert_close(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(AssertionError, match="got nan, expected 0"):
        checks.assert_close(np.array([0.0, np.nan]), np.zeros(2))
    with pytest.raises(AssertionError, match="expected numbers, got an array of dtype object"):
        checks.assert_close(np.array([None, 1.0]), np.zeros(2))


def test_assert_in_range():
    assert checks.assert_in_range(np.linspace(0, 1, 5), 0, 1) is None
    message = re.escape(
        "pixels: expected all values in [0, 1], but 2 of 3 are not (min -0.5, max 2)"
    )
    with pytest.raises(AssertionError, match=message):
        checks.assert_in_range(np.array([-0.5, 0.5, 2.0]), 0, 1, name="pixels")
    with pytest.raises(AssertionError, match="1 of 2 are not"):
        checks.assert_in_range(np.array([0.5, np.nan]), 0, 1)


def test_relative_error():
    x = np.array([1.0, 2.0, 0.0])
    assert checks.relative_error(x, x) == 0.0
    assert isinstance(checks.relative_error(x, x), float)
    error = checks.relative_error(np.array([1.0, 2.0]), np.array([1.1, 2.0]))
    assert error == pytest.approx(0.1 / 2.1)
    assert checks.relative_error(np.zeros(2), np.full(2, 1e-12)) == pytest.approx(1e-4)


def test_assert_relative_error():
    grad = np.array([0.3, -1.2, 2.0])
    assert checks.assert_relative_error(grad * (1 + 1e-9), grad) is None
    message = "dW: relative error 0.0476 is above the tolerance 1e-07"
    with pytest.raises(AssertionError, match=message):
        checks.assert_relative_error(np.array([1.1, 2.0]), np.array([1.0, 2.0]), name="dW")
    with pytest.raises(AssertionError, match=re.escape("expected shape (3,), got (2,)")):
        checks.assert_relative_error(np.zeros(2), grad)


def test_assert_finite_fails_on_nan_and_on_infinity():
    assert checks.assert_finite(np.ones((2, 2))) is None
    message = re.escape("loss: expected finite values, got 1 NaN and 0 infinite of 4 (first at index (0, 1), nan)")
    with pytest.raises(AssertionError, match=message):
        checks.assert_finite(np.array([[1.0, np.nan], [0.0, 2.0]]), name="loss")
    with np.errstate(divide="ignore"):
        unclipped = -np.log(np.array([0.5, 0.0]))  # an unclipped log(0)
    with pytest.raises(AssertionError, match=re.escape("got 0 NaN and 1 infinite of 2 (first at index (1,), inf)")):
        checks.assert_finite(unclipped, name="loss")


def test_assert_accuracy_above():
    for accuracy in (0.95, np.float32(0.95), np.float64(0.9), np.array(0.93), 1):
        assert checks.assert_accuracy_above(accuracy, 0.9) is None
    with pytest.raises(AssertionError, match="accuracy: expected at least 0.900, got 0.873"):
        checks.assert_accuracy_above(0.873, 0.9)
    with pytest.raises(AssertionError, match="looks like a percentage — return a fraction"):
        checks.assert_accuracy_above(87.3, 0.9)
    with pytest.raises(AssertionError, match="expected at least 0.900, got nan"):
        checks.assert_accuracy_above(float("nan"), 0.9)


# --- keras model checks ---------------------------------------------------------------


def test_assert_model(fitted):
    model, history = fitted
    assert checks.assert_model(model) is None
    inputs = keras.Input((5,))
    assert checks.assert_model(keras.Model(inputs, keras.layers.Dense(2)(inputs))) is None
    message = re.escape(
        "build_model(): expected a keras Model, got NoneType — did you forget to return it?"
    )
    with pytest.raises(AssertionError, match=message):
        checks.assert_model(None, name="build_model()")
    with pytest.raises(AssertionError, match="got History — fit\\(\\) returns a History"):
        checks.assert_model(history)


def test_assert_layer_types():
    assert checks.assert_layer_types(mlp(), ["Flatten", "Dense", "Dense"]) is None
    inputs = keras.Input((5,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(4)(inputs)))
    assert checks.assert_layer_types(functional, ["Dense", "Dense"]) is None
    message = re.escape(
        "model: expected layers ['Flatten', 'Dense'], got ['Flatten', 'Dense', 'Dense']"
    )
    with pytest.raises(AssertionError, match=message):
        checks.assert_layer_types(mlp(), ["Flatten", "Dense"])


def test_assert_dense_layers():
    model = mlp()
    assert checks.assert_dense_layers(model, [32, 10]) is None
    assert checks.assert_dense_layers(model, [32, 10], ["relu", "linear"]) is None
    assert checks.assert_dense_layers(model, [32, 10], ["ReLU", None]) is None
    message = r"model: Dense layer 2: expected 8 units, got 10"
    with pytest.raises(AssertionError, match=message):
        checks.assert_dense_layers(model, [32, 8])
    message = re.escape("expected 3 Dense layers, got 2 (with units [32, 10])")
    with pytest.raises(AssertionError, match=message):
        checks.assert_dense_layers(model, [64, 32, 10])
    message = r"Dense layer 1: expected activation 'sigmoid', got 'relu'"
    with pytest.raises(AssertionError, match=message):
        checks.assert_dense_layers(model, [32, 10], ["sigmoid", "linear"])
    with pytest.raises(AssertionError, match="expected activation 'softmax', got 'linear'"):
        checks.assert_dense_layers(model, [32, 10], ["relu", "softmax"])


def test_assert_output_units():
    assert checks.assert_output_units(mlp(), 10) is None
    with pytest.raises(AssertionError, match="model: expected 8 output units, got 10"):
        checks.assert_output_units(mlp(), 8)
    with pytest.raises(AssertionError, match="not built yet.*keras.Input"):
        checks.assert_output_units(mlp(input_layer=False), 10)
    assert checks.assert_output_units(mlp(input_layer=False), 10, example_shape=(28, 28)) is None
    unflattened = keras.Sequential([keras.Input((28, 28)), keras.layers.Dense(10)])
    with pytest.raises(AssertionError, match=re.escape("expected output shape (None, 10), got (None, 28, 10)")):
        checks.assert_output_units(unflattened, 10)
    convolutional = keras.Sequential([keras.layers.Conv2D(4, 3), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(AssertionError, match=re.escape("cannot take inputs of shape (28, 28)")):
        checks.assert_output_units(convolutional, 10, example_shape=(28, 28))


def test_assert_param_count():
    model = mlp(hidden=(64, 64))
    assert checks.assert_param_count(model, 55_050) is None
    assert checks.assert_param_count(np.int64(55_050), 55_050) is None
    with pytest.raises(AssertionError, match="model: expected 55,050 parameters, got 50,890"):
        checks.assert_param_count(50_890, 55_050)
    with pytest.raises(AssertionError, match="expected 50,890 parameters, got 55,050"):
        checks.assert_param_count(model, 50_890)
    with pytest.raises(AssertionError, match="not built yet"):
        checks.assert_param_count(mlp(input_layer=False), 25_450)
    assert checks.assert_param_count(mlp(input_layer=False), 25_450, example_shape=(28, 28)) is None


# --- assert_compiled ------------------------------------------------------------------


@pytest.fixture(params=["before fit", "after fit"])
def compiled_model(request, fitted):
    """A compiled_mlp(), either fresh or after one epoch of fit()."""
    return compiled_mlp() if request.param == "before fit" else fitted[0]


def test_assert_compiled_passes(compiled_model):
    assert checks.assert_compiled(compiled_model) is None
    assert (
        checks.assert_compiled(
            compiled_model,
            loss="sparse_categorical_crossentropy",
            optimizer="sgd",
            learning_rate=0.1,
            metrics=["accuracy"],
        )
        is None
    )
    assert (
        checks.assert_compiled(
            compiled_model,
            loss=keras.losses.SparseCategoricalCrossentropy,
            optimizer=keras.optimizers.SGD,
            metrics=["sparse_categorical_accuracy"],
        )
        is None
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"loss": "mse"},
            "model: expected loss 'mean_squared_error', got 'sparse_categorical_crossentropy'",
        ),
        ({"optimizer": "adam"}, "model: expected optimizer adam, got SGD"),
        ({"optimizer": keras.optimizers.Adam}, "expected optimizer Adam, got SGD"),
        ({"learning_rate": 0.01}, "model: expected learning rate 0.01, got 0.1"),
        ({"metrics": ["mae"]}, "expected metric 'mean_absolute_error' among the compiled metrics"),
    ],
)
def test_assert_compiled_reports_mismatch(compiled_model, kwargs, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        checks.assert_compiled(compiled_model, **kwargs)


def test_assert_compiled_needs_compile():
    message = re.escape("model: the model is not compiled — call model.compile(...) first")
    with pytest.raises(AssertionError, match=message):
        checks.assert_compiled(mlp(), loss="mse")


@pytest.mark.parametrize(
    ("compiled_loss", "expected_loss"),
    [
        ("mse", "mean_squared_error"),
        ("mean_squared_error", keras.losses.MeanSquaredError),
        (keras.losses.MeanSquaredError(), "mse"),
        (keras.losses.mean_squared_error, "MeanSquaredError"),
        ("categorical_crossentropy", keras.losses.CategoricalCrossentropy()),
        (keras.losses.CategoricalCrossentropy(from_logits=True), "categorical_crossentropy"),
        ("bce", "binary_crossentropy"),
    ],
)
def test_assert_compiled_loss_aliases(compiled_loss, expected_loss):
    model = tiny_model(optimizer="sgd", loss=compiled_loss)
    assert checks.assert_compiled(model, loss=expected_loss) is None


def squared_error(y_true, y_pred):  # a student's own MSE
    return keras.ops.mean(keras.ops.square(y_true - y_pred))


def absolute_error(y_true, y_pred):  # a student's own loss that is not MSE
    return keras.ops.mean(keras.ops.abs(y_true - y_pred))


def test_assert_compiled_judges_a_custom_loss_by_its_values():
    assert checks.assert_compiled(tiny_model(optimizer="sgd", loss=squared_error), loss="mse") is None
    model = tiny_model(optimizer="sgd", loss=absolute_error)
    with pytest.raises(AssertionError, match=re.escape(
            "expected loss 'mean_squared_error', got 'absolute_error' (which gives other values")):
        checks.assert_compiled(model, loss="mse")
    with pytest.raises(AssertionError, match="expected loss 'sparse_categorical_crossentropy'"):
        checks.assert_compiled(tiny_model(optimizer="sgd", loss=squared_error),
                               loss="sparse_categorical_crossentropy")


@pytest.mark.parametrize(
    ("compiled_metrics", "expected_metrics"),
    [
        (["acc", "mae"], ["accuracy", "mean_absolute_error"]),
        ([keras.metrics.SparseCategoricalAccuracy()], ["accuracy"]),
        ([keras.metrics.MeanSquaredError(name="my_mse")], ["mse"]),
        (["mse"], [keras.metrics.MeanSquaredError()]),
    ],
)
def test_assert_compiled_metric_aliases(compiled_metrics, expected_metrics):
    model = tiny_model(optimizer="adam", loss="mse", metrics=compiled_metrics)
    assert checks.assert_compiled(model, metrics=expected_metrics) is None


def test_assert_compiled_learning_rate_details():
    model = tiny_model(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    assert checks.assert_compiled(model, learning_rate=0.01) is None  # stored as float32
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    model = tiny_model(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    with pytest.raises(AssertionError, match=re.escape("got a schedule (ExponentialDecay)")):
        checks.assert_compiled(model, learning_rate=0.1)


# --- wrong kinds of object ------------------------------------------------------------

CALLS = {
    "assert_array": lambda obj: checks.assert_array(obj),
    "assert_shape": lambda obj: checks.assert_shape(obj, (3,)),
    "assert_dtype": lambda obj: checks.assert_dtype(obj, np.floating),
    "assert_close": lambda obj: checks.assert_close(obj, np.zeros(3)),
    "assert_in_range": lambda obj: checks.assert_in_range(obj, 0, 1),
    "relative_error": lambda obj: checks.relative_error(obj, np.zeros(3)),
    "assert_relative_error": lambda obj: checks.assert_relative_error(obj, np.zeros(3)),
    "assert_finite": lambda obj: checks.assert_finite(obj),
    "assert_accuracy_above": lambda obj: checks.assert_accuracy_above(obj, 0.9),
    "assert_model": lambda obj: checks.assert_model(obj),
    "assert_layer_types": lambda obj: checks.assert_layer_types(obj, ["Dense"]),
    "assert_dense_layers": lambda obj: checks.assert_dense_layers(obj, [10]),
    "assert_output_units": lambda obj: checks.assert_output_units(obj, 10),
    "assert_param_count": lambda obj: checks.assert_param_count(obj, 10),
    "assert_compiled": lambda obj: checks.assert_compiled(obj, loss="mse"),
}


@pytest.mark.parametrize("check", CALLS)
@pytest.mark.parametrize(
    ("wrong", "kind"),
    [
        (None, "NoneType — did you forget to return it?"),
        ([0.5, 0.5, 0.5], "list"),
        ("history", "History — fit() returns a History"),
    ],
)
def test_wrong_kind_is_an_assertion_error(fitted, check, wrong, kind):
    obj = fitted[1] if wrong == "history" else wrong
    if isinstance(wrong, list) and check in LIST_VALUES_CHECKED:
        pytest.skip("a list of numbers is judged by its values (test_a_list_is_judged_by_its_values)")
    with pytest.raises(AssertionError, match=re.escape(f"got {kind}")):
        CALLS[check](obj)


LIST_VALUES_CHECKED = {"assert_shape", "assert_close", "assert_in_range", "relative_error",
                       "assert_relative_error", "assert_finite", "assert_dtype"}


def test_a_list_is_judged_by_its_values():
    """A list where the docstring asks for an array keeps the points of its values; only
    assert_array and assert_dtype, which check the kind itself, fail it."""
    values = [0.5, 0.25, 1.0]
    checks.assert_shape(values, (3,))
    checks.assert_close(values, np.array([0.5, 0.25, 1.0]))
    checks.assert_in_range(values, 0, 1)
    checks.assert_relative_error(values, np.array([0.5, 0.25, 1.0]))
    with pytest.raises(AssertionError, match=re.escape("x: expected a numpy array of dtype float32, got a list")):
        checks.assert_dtype(values, np.float32, name="x")
    with pytest.raises(AssertionError, match="got list"):
        checks.assert_array(values)
    with pytest.raises(AssertionError, match="expected a numpy array, got list"):  # ragged
        checks.assert_shape([[1.0], [2.0, 3.0]], (2,))


def test_import_does_not_load_tensorflow():
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from helpers import checks\n"
        "checks.assert_close(np.ones(3), np.ones(3))\n"
        "checks.assert_dtype(np.ones(3), np.floating)\n"
        "loaded = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_visible_tests_passed_says_so_in_one_line(capsys):
    checks.visible_tests_passed()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "visible tests above passed" in lines[0]
