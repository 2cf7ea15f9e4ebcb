"""Hints on errors: Keras-2 habits get their Keras 3 spelling, a NameError names the failed cell.

The Keras errors are produced by the installed Keras, so that a change of its messages
shows here; the grader adds the hints to the executed notebook (GuardedExecute).
"""

import numpy as np
import pytest

from autograder.nbgrader_ext.hints import failed_definition_hint, keras2_hint
from tests.test_cell_limits import run


def _keras_error(code: str) -> str:
    import keras  # noqa: F401 (used by the code)
    from keras import layers  # noqa: F401
    try:
        exec(code, {"keras": keras, "layers": layers, "np": np})
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    raise AssertionError(f"Keras 3 accepted {code!r}: the hint for it is not needed")


@pytest.mark.parametrize("code, advice", [
    ("keras.optimizers.SGD(lr=0.1)", "learning_rate=0.1"),
    ("keras.optimizers.Adam(lr=0.001)", "learning_rate="),
    ("keras.utils.np_utils.to_categorical([1, 2])", "keras.utils.to_categorical"),
    ("from keras.utils import np_utils", "keras.utils.to_categorical"),
    ("from keras.preprocessing.image import ImageDataGenerator", "keras.layers.RandomFlip"),
    ("layers.Dense(3, activation='ReLU')", "activation='relu'"),
    ("layers.Dense(3, activation='LeakyReLU')", "activation='leaky_relu'"),
    ("keras.Sequential([keras.Input((4,)), layers.Dense(2)]).predict_classes(np.zeros((1, 4)))",
     "argmax(axis=1)"),
    ("keras.Sequential([keras.Input((4,)), layers.Dense(2)]).fit_generator", "model.fit"),
    ("m = keras.Sequential([keras.Input((4,)), layers.Dense(2)]); m.compile('sgd', 'mse')\n"
     "m.fit(np.zeros((2, 4)), np.zeros((2, 2)), nb_epoch=1, verbose=0)", "epochs=5"),
])
def test_each_keras2_habit_gets_its_keras3_spelling(code, advice):
    hint = keras2_hint(_keras_error(code))
    assert hint is not None and advice in hint, hint


def test_an_unknown_activation_gets_the_known_ones():
    hint = keras2_hint(_keras_error("layers.Dense(3, activation='rectified')"))
    assert "'rectified' is not an activation" in hint and "relu" in hint


def test_other_errors_get_no_keras_hint():
    for message in ("ValueError: operands could not be broadcast together", "NameError: name 'x' is not defined",
                    "AssertionError: accuracy: expected 0.9, got 0.5"):
        assert keras2_hint(message) is None


def test_a_name_error_names_the_failed_cell_that_defines_it():
    earlier = [("#1", {"np"}, None), ("build", {"model", "build"}, "ValueError"), ("#3", {"x"}, None)]
    hint = failed_definition_hint("NameError: name 'model' is not defined", earlier)
    assert hint == "model is not defined because cell build, which defines it, failed with ValueError: fix that cell first"
    assert failed_definition_hint("NameError: name 'x' is not defined", earlier) is None  # its cell ran: a typo?
    assert failed_definition_hint("NameError: name 'nowhere' is not defined", earlier) is None


def test_the_grader_adds_hints_to_the_executed_notebook(tmp_path):
    cells = run(["import keras\noptimizer = keras.optimizers.SGD(lr=0.1)",
                 "data = [1, 2]\nscale = 1 / 0",
                 "print(scale)"], tmp_path, grade=[2], cpu_limit=120, timeout=120)
    assert cells[0].outputs[-1].traceback[-1].startswith("Hint: Keras 3 calls the learning rate learning_rate")
    [error] = [output for output in cells[2].outputs if output.output_type == "error"]
    assert error.traceback[-1] == (
        "Hint: scale is not defined because cell #2, which defines it, failed with ZeroDivisionError: "
        "fix that cell first")
