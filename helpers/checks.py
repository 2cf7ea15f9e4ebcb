"""Assertion helpers for the visible and hidden test cells of the notebooks.

Every ``assert_*`` function returns None when the check passes and raises
``AssertionError`` with a message saying what was expected and what was got
when it fails -- also when the student's object is of the wrong kind (None
from a forgotten ``return``, a list instead of an array, a History instead of
a Model), so a student never sees a bare AssertionError or a TypeError from
inside this module.  ``name`` is how the checked object is called in messages,
e.g. ``"normalize_images(x)"``.

Keras is imported lazily, inside the functions that need it: the numpy checks
work without importing keras or tensorflow.
"""

import math
import numbers
import re

import numpy as np


def _kind(obj):
    """Type name of a wrong-kind object, with a hint for the usual mistakes."""
    kind = type(obj).__name__
    if obj is None:
        return f"{kind} — did you forget to return it?"
    if kind == "History":
        return f"{kind} — fit() returns a History; the model is the object fit() was called on"
    return kind


def _as_array(actual, name):
    """``actual`` as an ndarray: an ndarray, a numpy scalar, a Python number, or a list or
    tuple of numbers (its values are still worth checking; ``assert_dtype`` and
    ``assert_array`` tell it from an array). Fails on anything else."""
    if isinstance(actual, (list, tuple)):
        try:
            array = np.asarray(actual)
        except ValueError:  # ragged
            array = None
        if array is not None and array.dtype.kind in "biuf":
            return array
    if not isinstance(actual, (np.ndarray, np.generic, int, float)):
        raise AssertionError(f"{name}: expected a numpy array, got {_kind(actual)}")
    return np.asarray(actual)


def _as_numbers(actual, name):
    """Like ``_as_array``, and also fails unless the dtype is boolean, integer or floating."""
    array = _as_array(actual, name)
    if array.dtype.kind not in "biuf":
        raise AssertionError(f"{name}: expected numbers, got an array of dtype {array.dtype}")
    return array


def assert_array(actual, name="result"):
    """Check that ``actual`` is a numpy ndarray (not a list, tensor or None)."""
    if not isinstance(actual, np.ndarray):
        raise AssertionError(f"{name}: expected a numpy array, got {_kind(actual)}")


def assert_shape(actual, expected_shape, name="result"):
    """Check the shape of array ``actual``; a None in ``expected_shape`` matches any size."""
    expected = tuple(expected_shape)
    got = _as_array(actual, name).shape
    if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise AssertionError(f"{name}: expected shape {expected}, got {got}")


def assert_dtype(actual, expected, name="result"):
    """Check the dtype of array ``actual``.

    ``expected`` is a dtype or type (``np.float32``, ``"uint8"``) or an abstract
    numpy kind (``np.floating``, ``np.integer``) that any matching dtype satisfies.
    A list or tuple has no dtype, so it fails here (other checks still judge its values).
    """
    abstract = isinstance(expected, type) and expected in (
        np.generic, np.number, np.integer, np.signedinteger, np.unsignedinteger,
        np.inexact, np.floating, np.complexfloating,
    )
    wanted = f"a {expected.__name__} dtype" if abstract else f"dtype {np.dtype(expected)}"
    if isinstance(actual, (list, tuple)):
        raise AssertionError(f"{name}: expected a numpy array of {wanted}, got a {type(actual).__name__}: "
                             "convert it with np.asarray(...)")
    got = _as_array(actual, name).dtype
    if not np.issubdtype(got, expected):
        raise AssertionError(f"{name}: expected {wanted}, got {got}")


def assert_close(actual, expected, name="result", rtol=1e-5, atol=1e-8):
    """Check that ``actual`` has the shape of ``expected`` and values close to it.

    ``actual`` is an ndarray (or number) of any shape with a numeric dtype;
    ``expected`` an array-like of the same shape. Closeness is ``np.isclose``
    (``|actual - expected| <= atol + rtol * |expected|``, NaN equal to NaN); the
    message gives the largest absolute difference, where it is, and the first few
    mismatching values.
    """
    actual = _as_numbers(actual, name)
    expected = np.asarray(expected)
    assert_shape(actual, expected.shape, name)
    bad = ~np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    diff = np.where(bad, np.nan_to_num(diff, nan=np.inf), -1.0)
    worst = np.unravel_index(np.argmax(diff), diff.shape)

    def at(index):
        index = tuple(int(i) for i in index)
        got, want = float(actual[index]), float(expected[index])
        return f"at index {index}: got {got:.6g}, expected {want:.6g}"

    first = "; ".join(at(index) for index in np.argwhere(bad)[:3])
    raise AssertionError(
        f"{name}: {int(bad.sum())} of {bad.size} values differ from the expected ones "
        f"(rtol={rtol:g}, atol={atol:g}); max absolute difference {diff[worst]:.3g} {at(worst)}. "
        f"First mismatches: {first}"
    )


def assert_in_range(actual, low, high, name="result"):
    """Check that every value of ``actual`` (numeric ndarray, any shape) lies in ``[low, high]``.

    NaN is never in range, so a NaN fails this check too.
    """
    actual = _as_numbers(actual, name)
    outside = ~((actual >= low) & (actual <= high))
    if outside.any():
        raise AssertionError(
            f"{name}: expected all values in [{low:g}, {high:g}], but {int(outside.sum())} of "
            f"{outside.size} are not (min {float(actual.min()):.6g}, max {float(actual.max()):.6g})"
        )


def relative_error(x, y):
    """Largest relative error ``|x - y| / max(1e-8, |x| + |y|)`` between two arrays, as a float.

    ``x`` and ``y`` are numeric ndarrays of the same shape (or numbers); 0.0 if they are empty.

    The convention of CS231n's gradient checks: around 1e-7 or less means the
    two agree (e.g. an analytic and a numerical gradient).
    """
    x = _as_numbers(x, "x").astype(np.float64)
    y = _as_numbers(y, "y").astype(np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def assert_relative_error(actual, expected, tol=1e-7, name="result"):
    """Check that ``actual`` has the shape of ``expected`` and a relative error <= ``tol``.

    ``actual`` is a numeric ndarray, e.g. an analytic gradient; ``expected`` an array-like
    of the same shape, e.g. the numerical gradient. See ``relative_error``.
    """
    actual = _as_numbers(actual, name)
    expected = np.asarray(expected)
    assert_shape(actual, expected.shape, name)
    error = relative_error(actual, expected)
    if not error <= tol:
        raise AssertionError(f"{name}: relative error {error:.3g} is above the tolerance {tol:g}")


def assert_finite(actual, name="result"):
    """Check that ``actual`` (numeric ndarray, any shape) has only finite values: no NaN and
    no infinity, as after diverged training or an unclipped ``log(0)``."""
    values = _as_numbers(actual, name)
    bad = ~np.isfinite(values)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{name}: expected finite values, got {int(np.isnan(values).sum())} NaN and "
            f"{int(np.isinf(values).sum())} infinite of {values.size} (first at index {first}, "
            f"{float(values[first])}): clip before a log, or lower the learning rate"
        )


def assert_accuracy_above(accuracy, bound, name="accuracy"):
    """Check that ``accuracy``, a fraction in [0, 1] (float or numpy scalar), is >= ``bound``."""
    if isinstance(accuracy, np.ndarray) and accuracy.ndim == 0:
        accuracy = accuracy.item()
    if isinstance(accuracy, bool) or not isinstance(accuracy, numbers.Real):
        raise AssertionError(f"{name}: expected a number between 0 and 1, got {_kind(accuracy)}")
    if accuracy > 1:
        raise AssertionError(
            f"{name}: got {float(accuracy):g}, which looks like a percentage — "
            "return a fraction between 0 and 1"
        )
    if not accuracy >= bound:
        raise AssertionError(f"{name}: expected at least {bound:.3f}, got {float(accuracy):.3f}")


def assert_model(model, name="model"):
    """Check that ``model`` is a ``keras.Model`` (Sequential or functional)."""
    import keras

    if not isinstance(model, keras.Model):
        raise AssertionError(f"{name}: expected a keras Model, got {_kind(model)}")


def _assert_built(model, name, example_shape=None):
    """Build an unbuilt model for ``example_shape`` (one example's shape, e.g. ``(28, 28)``) where
    it is given: a Sequential written without ``keras.Input`` is as right as one with it.
    Otherwise fail clearly when the model has no known input shape."""
    if not model.built and example_shape is not None:
        try:
            model.build((None, *example_shape))
        except Exception as error:  # layers that cannot take this input: say so, with the shape
            raise AssertionError(f"{name}: the model cannot take inputs of shape {tuple(example_shape)}: "
                                 f"{type(error).__name__}: {str(error).splitlines()[0]}") from None
    if not model.built:
        raise AssertionError(
            f"{name}: the model is not built yet, so its weights and output shape are unknown — "
            "start it with keras.Input(shape=...)"
        )


def assert_layer_types(model, expected, name="model"):
    """Check the model's layer class names in order, e.g. ``["Flatten", "Dense", "Dense"]``.

    An ``InputLayer`` (present in functional models) is ignored.
    """
    assert_model(model, name)
    got = [type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if got != list(expected):
        raise AssertionError(f"{name}: expected layers {list(expected)}, got {got}")


def _activation_name(activation):
    """Lower-case name of an activation given as None, a string, a function or a layer.

    None means no activation, which keras calls 'linear'.
    """
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation.lower()
    return getattr(activation, "__name__", type(activation).__name__).lower()


def assert_dense_layers(model, units, activations=None, name="model"):
    """Check the model's Dense layers: their ``units`` (list of ints), in order, and, if given,
    their ``activations`` (list of names such as "relu", "softmax", "linear" or None).
    """
    import keras

    assert_model(model, name)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if len(dense) != len(units):
        raise AssertionError(
            f"{name}: expected {len(units)} Dense layers, got {len(dense)} "
            f"(with units {[layer.units for layer in dense]})"
        )
    for i, layer in enumerate(dense):
        where = f"{name}: Dense layer {i + 1}"
        if layer.units != units[i]:
            raise AssertionError(f"{where}: expected {units[i]} units, got {layer.units}")
        if activations is not None:
            want, got = _activation_name(activations[i]), _activation_name(layer.activation)
            if want != got:
                raise AssertionError(f"{where}: expected activation '{want}', got '{got}'")


def assert_output_units(model, units, name="model", example_shape=None):
    """Check that the model outputs ``units`` numbers per example: output shape (None, units).

    ``example_shape`` (one example's shape) builds a model written without ``keras.Input``.
    """
    assert_model(model, name)
    _assert_built(model, name, example_shape)
    got = tuple(model.output_shape)
    if len(got) != 2:
        raise AssertionError(f"{name}: expected output shape (None, {units}), got {got} — "
                             "flatten the images before the Dense layers")
    if got[-1] != units:
        raise AssertionError(f"{name}: expected {units} output units, got {got[-1]}")


def assert_param_count(model_or_count, expected, name="model", example_shape=None):
    """Check a number of parameters, given as a model (``count_params()``) or an int.

    ``example_shape`` (one example's shape) builds a model written without ``keras.Input``.
    """
    if isinstance(model_or_count, numbers.Integral) and not isinstance(model_or_count, bool):
        got = int(model_or_count)
    else:
        assert_model(model_or_count, name)
        _assert_built(model_or_count, name, example_shape)
        got = model_or_count.count_params()
    if got != expected:
        raise AssertionError(f"{name}: expected {expected:,} parameters, got {got:,}")


def _snake_case(name):
    """CamelCase to snake_case: ``"KLDivergence"`` -> ``"kl_divergence"``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _canonical_name(obj, get):
    """Snake_case name of a loss or metric, so that aliases compare equal.

    ``obj`` is a string (resolved with ``get``, i.e. ``keras.losses.get`` or
    ``keras.metrics.get``, so "mse", "mean_squared_error" and "MeanSquaredError"
    agree), a class, an instance, a function, or a serialized dict as found in
    ``model.get_compile_config()``.
    """
    if obj is None:
        return None
    if isinstance(obj, str):
        try:
            obj = get(obj)
        except ValueError:  # names keras resolves only inside compile(), such as "acc"
            return "accuracy" if obj == "acc" else _snake_case(obj)
    if isinstance(obj, dict):
        if obj.get("class_name") == "function":
            return obj["config"]
        return _snake_case(obj.get("class_name", ""))
    if isinstance(obj, type):
        return _snake_case(obj.__name__)
    return getattr(obj, "__name__", None) or _snake_case(type(obj).__name__)


_ACCURACIES = {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}


def _same_metric(want, got):
    """Whether two canonical metric names agree; "accuracy" matches each variant keras picks."""
    return want == got or ("accuracy" in (want, got) and {want, got} <= _ACCURACIES)


def _same_loss_values(expected, loss):
    """Whether ``loss`` (a name, instance or the student's own function) gives the mean value
    of the ``expected`` keras loss on a few random targets and predictions of its kind: a
    custom function that computes the expected loss passes, whatever its name."""
    import keras

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(8, 5))
    probabilities = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
    labels = rng.integers(0, 5, size=8)
    kind = _canonical_name(expected, keras.losses.get)
    if kind.startswith("sparse"):
        targets = labels.astype("float32")
    elif "crossentropy" in kind or "hinge" in kind:
        targets = np.eye(5, dtype="float32")[labels]
    else:
        targets = rng.normal(size=(8, 5)).astype("float32")
    try:
        want = keras.ops.mean(keras.losses.get(expected)(targets, probabilities))
        got = keras.ops.mean(keras.losses.get(loss)(targets, probabilities))
        return bool(np.isclose(float(got), float(want), rtol=1e-4, atol=1e-6))
    except Exception:  # a loss that cannot even run on these inputs is not the expected one
        return False


def _flatten_metrics(metrics):
    """The metric entries of a compile config, flattening per-output lists and dicts."""
    if metrics is None:
        return []
    if isinstance(metrics, (list, tuple)):
        return [metric for item in metrics for metric in _flatten_metrics(item)]
    if isinstance(metrics, dict) and "class_name" not in metrics:
        return _flatten_metrics(list(metrics.values()))
    return [metrics]


def assert_compiled(
    model, loss=None, optimizer=None, learning_rate=None, metrics=None, name="model"
):
    """Check that the model is compiled and, for each argument given, compiled with it.

    - ``loss``: a name, class, instance or function; aliases agree ("mse",
      "mean_squared_error", ``keras.losses.MeanSquaredError``). Only the kind of
      loss is compared, not its arguments (such as ``from_logits``).
    - ``optimizer``: a name, class or instance, compared by class name ignoring case.
    - ``learning_rate``: a float, compared with a relative tolerance of 1e-6.
    - ``metrics``: a list of names, classes or instances that must all be among
      the compiled metrics; "accuracy" matches keras's accuracy variants.
    Works both before and after the model has been trained.
    """
    import keras

    assert_model(model, name)
    if not model.compiled:
        raise AssertionError(f"{name}: the model is not compiled — call model.compile(...) first")
    if loss is not None:
        want = _canonical_name(loss, keras.losses.get)
        got = _canonical_name(model.loss, keras.losses.get)
        if want != got and not _same_loss_values(loss, model.loss):
            raise AssertionError(f"{name}: expected loss {want!r}, got {got!r} "
                                 "(which gives other values on the same targets and predictions)")
    if optimizer is not None:
        if isinstance(optimizer, str):
            want = optimizer
        else:
            want = (optimizer if isinstance(optimizer, type) else type(optimizer)).__name__
        got = type(model.optimizer).__name__
        if want.lower() != got.lower():
            raise AssertionError(f"{name}: expected optimizer {want}, got {got}")
    if learning_rate is not None:
        configured = model.optimizer.get_config()["learning_rate"]
        if isinstance(configured, dict):  # a serialized schedule or function
            raise AssertionError(
                f"{name}: expected a fixed learning rate {learning_rate:g}, "
                f"got a schedule ({configured.get('class_name')})"
            )
        got = float(model.optimizer.learning_rate)
        if not math.isclose(got, learning_rate, rel_tol=1e-6):
            raise AssertionError(f"{name}: expected learning rate {learning_rate:g}, got {got:.6g}")
    if metrics is not None:
        config = model.get_compile_config()
        entries = _flatten_metrics(config.get("metrics"))
        entries += _flatten_metrics(config.get("weighted_metrics"))
        compiled = [_canonical_name(entry, keras.metrics.get) for entry in entries]
        for metric in metrics:
            want = _canonical_name(metric, keras.metrics.get)
            if not any(_same_metric(want, got) for got in compiled):
                raise AssertionError(
                    f"{name}: expected metric {want!r} among the compiled metrics, got {compiled}"
                )


def visible_tests_passed():
    """Say, in one line, that the visible tests of a test cell passed: the last line of a
    test cell's visible part. (While grading, the grader reports every check instead.)"""
    print("✔ The visible tests above passed. Hidden tests with other inputs run when your notebook is graded.")
