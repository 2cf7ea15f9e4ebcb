"""The wire between the judge and the student's kernel (autograder/judge/wire.py), both ways,
without a kernel: every kind of value the judge sends and receives travels as JSON and npz
text exactly as it would through the kernel, and what the judge refuses is refused."""

import json
import math

import numpy as np
import pytest

from autograder.judge import probe, wire
from autograder.judge.errors import StudentError, Unreadable
from autograder.judge.session import Judge, JudgeEncoder, StudentDecoder, StudentFunction
from autograder.settings import JUDGE_MAX_REPLY_CHARS


def from_student(value):
    """``value`` returned by the student's code, as the judge reads it."""
    encode = probe.StudentEncoder()
    node = json.loads(json.dumps(encode(value)))
    return StudentDecoder(wire.read_arrays(wire.write_arrays(encode.arrays)))(node)


def to_student(value, user_ns=None):
    """``value`` passed by the judge, as the student's kernel rebuilds it."""
    encode = JudgeEncoder()
    node = json.loads(json.dumps(encode(value)))
    return probe.KernelDecoder(wire.read_arrays(wire.write_arrays(encode.arrays)), user_ns or {})(node)


DATA = {
    "none": None, "true": True, "int": -3, "big int": 2**70, "str": "héllo", "float": 0.25,
    "float32": np.float32(1.5), "int64": np.int64(7), "uint8": np.uint8(255), "bool_": np.bool_(True),
    "float array": np.linspace(0, 1, 6, dtype="float32").reshape(2, 3), "int array": np.arange(4),
    "bool array": np.array([True, False]), "str array": np.array(["cat", "dog"]), "empty array": np.zeros((0, 3)),
    "list": [1, "a", [2.5, None]], "tuple": (1, (2, 3)), "dict": {"a": 1, 2: [3], (1, 2): "pair", None: 0.5},
}


@pytest.mark.parametrize("direction", [from_student, to_student], ids=["student to judge", "judge to student"])
@pytest.mark.parametrize("name", DATA)
def test_data_crosses_unchanged_in_value_and_type(direction, name):
    value = DATA[name]
    back = direction(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    else:
        assert back == value
    if isinstance(value, np.generic):
        assert back.dtype == value.dtype


@pytest.mark.parametrize("direction", [from_student, to_student], ids=["student to judge", "judge to student"])
def test_non_finite_numbers_cross_as_numbers(direction):
    back = direction([math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("-inf")])
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf
    assert isinstance(back[3], np.float64) and np.isnan(back[3])
    assert isinstance(back[4], np.float32) and back[4] == -np.inf


@pytest.mark.parametrize("direction", [from_student, to_student], ids=["student to judge", "judge to student"])
def test_an_object_met_twice_comes_back_as_one_object(direction):
    shared, array = [1, 2], np.ones(3)
    looped = [shared, shared, array, array]
    looped.append(looped)
    back = direction(looped)
    assert back[0] is back[1] and back[2] is back[3] and back[4] is back
    assert back[0] == [1, 2] and np.array_equal(back[2], np.ones(3))


def test_a_namedtuple_and_a_dict_subclass_travel_as_plain_data():
    from collections import OrderedDict, namedtuple

    Point = namedtuple("Point", "x y")
    assert from_student([Point(1, 2), OrderedDict(a=1)]) == [[1, 2], {"a": 1}]


def test_what_cannot_travel_comes_back_as_a_value_whose_use_fails_with_what_it_was():
    back = from_student([(x for x in range(3)), np.array([object()]), object])
    assert all(isinstance(item, Unreadable) for item in back[:2])
    with pytest.raises(AssertionError, match="your code returned a builtins.generator, which the grader cannot read"):
        len(back[0])
    with pytest.raises(AssertionError, match="an array of dtype object"):
        back[1][0]
    assert type(back[0]).__name__ == "generator"  # so a check says "expected ..., got generator"


def test_a_keras_model_crosses_as_its_config_and_is_rebuilt_compiled():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    early = keras.callbacks.EarlyStopping(patience=3, monitor="val_loss")
    rebuilt, callback = from_student([model, early])
    assert rebuilt is not model and [layer.units for layer in rebuilt.layers] == [3]
    assert rebuilt.optimizer.learning_rate.numpy() == pytest.approx(0.01)
    assert rebuilt.loss == "sparse_categorical_crossentropy"
    assert isinstance(callback, keras.callbacks.EarlyStopping) and callback.patience == 3


def test_a_model_crosses_under_the_names_a_fresh_session_gives_whatever_was_built_before():
    """Keras numbers the names it makes up per session: the same answer must send the same config."""
    keras = pytest.importorskip("keras")

    def answer():
        inputs = keras.Input((4,))
        outputs = keras.layers.Dense(3)(keras.layers.Dense(8, activation="relu", name="hidden")(inputs))
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
        return model

    first = probe.StudentEncoder().keras_config(keras, answer())
    for _ in range(3):  # a student's experiments in between
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]).compile(optimizer=keras.optimizers.Adam())
    again = probe.StudentEncoder().keras_config(keras, answer())
    assert json.dumps(first) == json.dumps(again)
    rebuilt = from_student(answer())
    assert [layer.name for layer in rebuilt.layers] == ["input_layer", "hidden", "dense"]  # a name the student gave stays
    assert rebuilt.name == "functional" and rebuilt.optimizer.name == "adam"


def test_a_loss_the_student_wrote_is_replaced_by_the_keras_loss_with_the_same_values():
    keras = pytest.importorskip("keras")

    def my_mse(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(5)])
    model.compile(optimizer="sgd", loss=my_mse)
    assert from_student(model).loss == "mean_squared_error"


def test_the_judge_passes_its_callables_by_name_or_as_code():
    def scaled(x, factor=2):  # a test's own function: its globals and defaults go with it
        return np.asarray(x) * factor + OFFSET

    namespace = {"np": np, "OFFSET": 1}
    scaled = type(scaled)(scaled.__code__, {**namespace, "__name__": "__judge__"}, "scaled", scaled.__defaults__)
    student_function = StudentFunction("softmax", judge=None)
    back = to_student([np.mean, np, student_function, np.ndarray, scaled, np.tanh, len],
                      user_ns={"softmax": "the student's softmax"})
    assert back[0] is np.mean and back[1] is np and back[2] == "the student's softmax" and back[3] is np.ndarray
    assert back[4] is not scaled and list(back[4]([1, 2])) == [3, 5]
    assert back[5] is np.tanh and back[6] is len


def test_a_keras_callback_the_judge_passes_is_rebuilt_in_the_kernel():
    keras = pytest.importorskip("keras")
    back = to_student(keras.callbacks.EarlyStopping(patience=4, monitor="val_accuracy"))
    assert isinstance(back, keras.callbacks.EarlyStopping) and back.patience == 4 and back.monitor == "val_accuracy"


def test_the_judge_refuses_to_send_what_the_kernel_cannot_rebuild():
    with pytest.raises(TypeError, match="cannot pass a lock"):
        JudgeEncoder()(__import__("threading").Lock())


MALFORMED = {
    "unknown kind": {"t": "pickle", "v": "gASV"},
    "a py node holding a list": {"t": "py", "v": [1, 2]},
    "a float that is not nan or inf": {"t": "float", "v": "1e999"},
    "a scalar of a non-number dtype": {"t": "npscalar", "dtype": "<M8[s]", "v": {"t": "py", "v": 0}},
    "an object-dtype scalar": {"t": "npscalar", "dtype": "|O", "v": {"t": "py", "v": 0}},
    "a dict key that is a list": {"t": "dict", "items": [[{"t": "list", "items": []}, {"t": "py", "v": 1}]]},
    "an array missing from the npz": {"t": "array", "key": "a7"},
    "a ref to nothing": {"t": "ref", "id": 12},
    "a judge-to-student kind": {"t": "module", "name": "os"},
    "a function as code": {"t": "function", "name": "f", "code": "", "globals": {}, "closure": [], "defaults": None},
}


@pytest.mark.parametrize("name", MALFORMED)
def test_the_judge_refuses_malformed_or_foreign_nodes_from_the_student(name):
    with pytest.raises(StudentError, match="the grader could not read what your code returned"):
        StudentDecoder({})(MALFORMED[name])


def test_a_keras_config_naming_code_outside_keras_is_refused():
    forged = {"module": "posix", "class_name": "system", "config": {}, "registered_name": None}
    with pytest.raises(StudentError, match="uses 'system' from 'posix', which the grader does not rebuild"):
        StudentDecoder({})({"t": "keras", "config": forged})


def test_a_reply_too_large_or_not_json_is_refused_before_it_is_read():
    with pytest.raises(StudentError, match="more data than the grader reads"):
        Judge._read_reply("x" * (JUDGE_MAX_REPLY_CHARS + 1))
    with pytest.raises(StudentError, match="could not read"):
        Judge._read_reply("{not json")
    with pytest.raises(StudentError, match="could not read"):  # an npz that asks for pickle
        buffer = __import__("io").BytesIO()
        np.save(buffer, np.array([object()]), allow_pickle=True)
        Judge._read_reply(json.dumps({"value": {"t": "py", "v": 1},
                                      "arrays": __import__("base64").b64encode(buffer.getvalue()).decode()}))


def test_the_kernel_side_runs_from_source_text_alone():
    """The judge sends wire.py and probe.py as text: the probe must need nothing else of the kit."""
    judge = Judge(run_in_kernel=None)
    namespace = {"wire": __import__("types").ModuleType("wire")}
    exec(compile(judge._kernel_sources["wire"], "<grader wire>", "exec"), namespace["wire"].__dict__)
    exec(compile(judge._kernel_sources["probe"], "<grader probe>", "exec"), namespace)
    assert namespace["wire"] is not wire and namespace["StudentEncoder"].__mro__[1] is namespace["wire"].Encoder
