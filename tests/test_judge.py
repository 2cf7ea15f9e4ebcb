"""The trusted judge: test cells run in the grader; the student's kernel only answers calls.

Each test grades a small notebook through ``GuardedExecute`` (the real path, in the sandbox
where the host has one): a locked set-up cell, the student's cells, then autograded test
cells, scored as nbgrader scores them. The attacks are written by someone who has read
the kit's source; each must score exactly what the same answer scores without the attack.
"""

import resource
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.utils import determine_grade
from traitlets.config import Config

from autograder.nbgrader_ext.execute import GuardedExecute
from autograder.nbgrader_ext.feedback import HideGraderOutputs
from autograder.nbgrader_ext.sandbox import host_problem
from autograder.markers import CHECKS_MIME
from autograder.worker.suspicious import keras2_cells

SETUP = "import numpy as np\nfrom helpers.checks import assert_close, assert_dtype, assert_shape, relative_error"
SCALE_TEST = """_x = np.array([[0, 51], [255, 102]], dtype=np.uint8)
_scaled = scale(_x)
assert_shape(_scaled, (2, 2), name="scale(x)")
assert_dtype(_scaled, np.float32, name="scale(x)")
assert_close(_scaled, [[0.0, 0.2], [1.0, 0.4]], name="scale(x)")
### BEGIN HIDDEN TESTS
_big = np.arange(256, dtype=np.uint8).reshape(16, 16)
_expected = _big / 255.0
assert_close(scale(_big), _expected, rtol=1e-6, name="scale(x) on 16x16")
### END HIDDEN TESTS"""
RIGHT = "def scale(x):\n    return x.astype('float32') / 255"
WRONG = "def scale(x):\n    return x.astype('float32') / 256"


def judged(tmp_path: Path, answers: list[str], tests=(SCALE_TEST,), points=4.0, setup=SETUP, **options):
    """Grade a notebook: locked set-up, the student's cells, then the test cells; returns
    (score of each test cell, the executed test cells). options: GuardedExecute's traits."""
    cells = [new_code_cell(setup, metadata={"nbgrader": {
        "grade": False, "solution": False, "locked": True, "grade_id": "setup"}})]
    cells += [new_code_cell(source) for source in answers]
    tested = []
    for number, source in enumerate(tests):
        cells.append(new_code_cell(source, metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "grade_id": f"test_{number}", "points": points}}))
        tested.append(len(cells) - 1)
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    executor = GuardedExecute(config=Config(SandboxedKernelManager={"confine": host_problem() is None}),
                              **{"cpu_limit": 60, "timeout": 120, **options})
    notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    result = [notebook.cells[index] for index in tested]
    return [determine_grade(cell)[0] for cell in result], result


def report(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def graded(tmp_path: Path, answer: str, test: str, setup: str, **options) -> tuple[float, str]:
    """Score and printed checks of one answer cell under one test cell."""
    [score], [cell] = judged(tmp_path, [answer], tests=(test,), setup=setup, **options)
    return score, report(cell)


def test_a_right_answer_gets_every_point_and_a_list_of_checks(tmp_path):
    [score], [cell] = judged(tmp_path, [RIGHT])
    assert score == 4.0
    assert report(cell).startswith("4 of 4 checks passed: 4 of 4 points")
    assert "hidden check 1" in report(cell)
    assert "_big" not in report(cell)  # hidden checks are shown by number, never by source


def test_checks_carry_partial_credit_and_all_of_them_report(tmp_path):
    float64 = "def scale(x):\n    return x / 255"  # right values, wrong dtype: 3 of 4 checks
    [score], [cell] = judged(tmp_path, [float64])
    assert score == 3.0
    assert "FAILED  (1.00 pt)  assert_dtype(_scaled, np.float32" in report(cell)
    assert "expected dtype float32, got float64" in report(cell)
    [score], [cell] = judged(tmp_path, [WRONG])  # right shape and dtype, wrong values: 2 of 4
    assert score == 2.0
    assert report(cell).count("FAILED") == 2


def test_a_check_can_weigh_more_than_the_others(tmp_path):
    weighted = SCALE_TEST.replace('name="scale(x) on 16x16")', 'name="scale(x) on 16x16")  # weight: 5')
    [score], [cell] = judged(tmp_path, [WRONG], tests=(weighted,))  # shape and dtype pass: 2 of 8
    assert score == 1.0, report(cell)
    assert "FAILED  (2.50 pt)  hidden check 1" in report(cell)


def test_what_a_test_cell_prints_stays_out_of_the_verdict(tmp_path, capsys):
    """A student working alone sees "visible tests passed" once every visible check passed; the
    judge runs every statement, also after a failed check, so that line would lie there."""
    test = SCALE_TEST.replace("### BEGIN HIDDEN TESTS", "visible_tests_passed()\n### BEGIN HIDDEN TESTS")
    [score], [cell] = judged(tmp_path, [WRONG], tests=(test,), setup=SETUP + ", visible_tests_passed")
    assert score == 2.0, report(cell)
    assert "visible tests above passed" not in report(cell) + capsys.readouterr().out


def test_a_blank_answer_scores_nothing(tmp_path):
    [score], [cell] = judged(tmp_path, ["def scale(x):\n    raise NotImplementedError()"])
    assert score == 0.0
    assert "scale(...) raised NotImplementedError" in report(cell)


def test_a_list_where_an_array_is_asked_keeps_the_points_of_its_values(tmp_path):
    as_list = "def scale(x):\n    return (x / 255).tolist()"
    [score], [cell] = judged(tmp_path, [as_list])
    assert score == 3.0, report(cell)
    assert "got a list: convert it with np.asarray" in report(cell)


INNOCENT = {
    "shadowed builtins": "sum = 0\nmax = 3\ninput = 'x'\nid = 7\ntype = 'relu'\nfor id, name in enumerate('ab'):\n    pass",
    "own relative_error": "def relative_error(a, b):\n    return 0.0",
    "with open as input": "with open('notes.txt', 'w') as input:\n    input.write('x')",
    "percent continuation": "n = 3\nprint('%d runs'\n      % (n))",
    "star import": "from numpy import *",
    "own np": "import numpy as np_\nnp = None",
}


@pytest.mark.parametrize("idiom", INNOCENT)
def test_innocent_idioms_keep_every_point(tmp_path, idiom):
    [score], [cell] = judged(tmp_path, [INNOCENT[idiom], "import numpy\n" + RIGHT.replace("x.astype", "numpy.asarray(x).astype")])
    assert score == 4.0, report(cell)


ATTACKS = {
    # rebinding what the tests use, in every way the student's namespace allows
    "rebound check": "assert_close = assert_shape = assert_dtype = lambda *a, **k: None",
    "vars()": "vars()['assert_close'] = lambda *a, **k: None",
    "global in a function": "def f():\n    global assert_close\n    assert_close = lambda *a, **k: None\nf()",
    "__code__ swap": "import helpers.checks\nhelpers.checks.assert_close.__code__ = (lambda *a, **k: None).__code__",
    "module attribute": "import helpers.checks\nhelpers.checks.assert_close = lambda *a, **k: None",
    "numpy patched": "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None",
    "input transformer": ("from IPython import get_ipython as g\n"
                          "g().input_transformers_cleanup.append("
                          "lambda lines: ['pass\\n'] if any('assert' in l for l in lines) else lines)"),
    "custom exception handler": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
    "thread that re-patches": ("import threading, time, helpers.checks\n"
                               "def loop():\n    while True:\n        helpers.checks.assert_close = lambda *a, **k: None\n"
                               "        time.sleep(0.01)\nthreading.Thread(target=loop, daemon=True).start()"),
    "float equal to everything": ("class Yes(float):\n    __eq__ = lambda s, o: True\n    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n"
                                  "class Arr(np.ndarray):\n    __eq__ = lambda s, o: np.ones(s.shape, bool)\n"),
    "sys.modules swap": ("import sys, types\nfake = types.ModuleType('helpers.checks')\n"
                         "fake.__dict__.update({n: (lambda *a, **k: None) for n in dir(sys.modules['helpers.checks']) if n.startswith('assert')})\n"
                         "sys.modules['helpers.checks'] = fake"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_tampering_gains_nothing(tmp_path, attack):
    """Each attack with a wrong answer scores what the wrong answer scores alone (2 of 4)."""
    wrong = WRONG if attack != "float equal to everything" else \
        "def scale(x):\n    return (x.astype('float32') / 256).view(Arr)"
    [score], [cell] = judged(tmp_path, [ATTACKS[attack], wrong])
    assert score == 2.0, report(cell)


def test_a_forged_keras_config_runs_nothing_in_the_grader(tmp_path):
    """The student's kernel may send any config: one naming code outside Keras is refused."""
    marker = tmp_path / "forged"
    forge = (f"import keras\nkeras.saving.serialize_keras_object = lambda obj: {{'module': 'posix', "
             f"'class_name': 'system', 'config': 'touch {marker}', 'registered_name': None}}\n"
             "def build():\n    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])")
    setup = SETUP + "\nimport keras"
    test = "_model = build()\nassert isinstance(_model, keras.Model), 'expected a model'"
    score, printed = graded(tmp_path, forge, test, setup)
    assert score == 0.0
    assert "which the grader does not rebuild" in printed
    assert not marker.exists()


def test_a_model_too_large_for_the_grader_fails_to_rebuild_instead_of_filling_its_memory(tmp_path):
    """The kernel sends the config of a 1.6-billion-parameter model (6.4 GB of weights) it never
    built: rebuilding it in the grader fails under the judge's memory cap, in a moment, and the
    cap is lifted again afterwards."""
    forge = ("import keras\n_small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)])\n"
             "_real = keras.saving.serialize_keras_object\n"
             "def _forge(obj):\n    config = _real(obj)\n    if obj is _small:\n"
             "        config['config']['layers'][0]['config']['batch_shape'] = [None, 40000]\n"
             "        config['config']['layers'][1]['config']['units'] = 40000\n"
             "        config['config']['layers'][1]['build_config'] = {'input_shape': [None, 40000]}\n"
             "        config['build_config'] = {'input_shape': [None, 40000]}\n    return config\n"
             "keras.saving.serialize_keras_object = _forge\n"
             "def build():\n    return _small")
    setup = SETUP + "\nimport keras"
    test = "_model = build()\nassert isinstance(_model, keras.Model), 'expected a model'"
    before = resource.getrlimit(resource.RLIMIT_DATA)
    score, printed = graded(tmp_path, forge, test, setup, judge_memory_mb=3072)
    assert score == 0.0
    assert "too large for the grader to rebuild" in printed, printed
    assert resource.getrlimit(resource.RLIMIT_DATA) == before


def test_a_lambda_layer_is_not_run_in_the_grader(tmp_path):
    """Safe mode refuses a Lambda layer's code; its function would write a file if it ever ran
    in the grader (the process that has pytest loaded, unlike the student's kernel)."""
    marker = tmp_path / "lambda-ran-in-grader"
    lam = ("import keras, sys\ndef build():\n    return keras.Sequential([keras.Input((2,)), keras.layers.Lambda("
           f"lambda x: (open('{marker}', 'w').close() if 'pytest' in sys.modules else None, x)[1]), "
           "keras.layers.Dense(1)])")
    setup = SETUP + "\nimport keras"
    test = "_model = build()\n_out = _model(np.ones((1, 2), dtype='float32'))\nassert _out.shape == (1, 1)"
    score, printed = graded(tmp_path, lam, test, setup)
    assert score == 0.0, printed
    assert "Lambda" in printed or "lambda" in printed
    assert not marker.exists()


def test_the_model_is_rebuilt_and_trained_by_the_grader(tmp_path):
    """A model whose evaluate() and fit() were replaced in the student's kernel is judged on
    what its architecture does when the grader trains it."""
    setup = SETUP + "\nimport keras\nfrom helpers.checks import assert_accuracy_above\nfrom helpers.seeding import seed_everything"
    liar = ("import keras\ndef build():\n    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation='softmax')])\n"
            "    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss='sparse_categorical_crossentropy')\n"
            "    model.fit = lambda *a, **k: None\n"
            "    model.evaluate = lambda *a, **k: [0.0, 1.0]\n"
            "    model.predict = lambda x, **k: np.eye(2)[(x[:, 0] > 0).astype(int)]\n"
            "    return model")
    test = ("_x = np.random.default_rng(0).normal(size=(200, 2)).astype('float32')\n_y = (_x[:, 0] > 0).astype(int)\n"
            "seed_everything(0)\n_model = build()\n_model.fit(_x, _y, epochs=3, verbose=0)\n"
            "_acc = float(np.mean(_model.predict(_x, verbose=0).argmax(axis=1) == _y))\n"
            "assert_accuracy_above(_acc, 0.9, name='accuracy')")
    score, printed = graded(tmp_path, liar, test, setup)
    assert score == 0.0, printed  # learning rate 0: the grader's copy learns nothing
    honest = liar.replace("learning_rate=0.0", "learning_rate=0.5").replace("    model.fit = ", "    # ").replace(
        "    model.evaluate", "    # ").replace("    model.predict", "    # ")
    score, printed = graded(tmp_path, honest, test, setup)
    assert score == 4.0, printed


def test_a_loss_written_as_a_function_is_judged_by_its_values(tmp_path):
    setup = SETUP + "\nimport keras\nfrom helpers.checks import assert_compiled"
    own_mse = ("import keras\ndef my_loss(y_true, y_pred):\n    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)\n"
               "def build():\n    model = keras.Sequential()\n    model.add(keras.layers.Dense(3, input_shape=(4,)))\n"
               "    model.compile(optimizer='sgd', loss=my_loss)\n    return model")
    test = ("assert_compiled(build(), loss='mean_squared_error', optimizer='sgd', name='build()')\n"
            "build().fit(np.zeros((4, 4)), np.zeros((4, 3)), epochs=1, verbose=0)")
    score, printed = graded(tmp_path, own_mse, test, setup)
    assert score == 4.0, printed
    own_mae = own_mse.replace("keras.ops.square(y_true - y_pred)", "keras.ops.abs(y_true - y_pred)")
    score, printed = graded(tmp_path, own_mae, test, setup)
    assert score == 0.0
    # the grader names the Keras loss the student's function computes
    assert "expected loss 'mean_squared_error', got 'mean_absolute_error'" in printed


def test_functions_the_test_passes_run_in_the_student_kernel_with_their_data(tmp_path):
    """A test's own functions and closures travel as code; arrays changed in place come back."""
    setup = SETUP
    answer = ("def numeric_gradient(f, x, h=1e-5):\n    grad = np.zeros_like(x)\n"
              "    for i in np.ndindex(x.shape):\n        old = x[i]\n        x[i] = old + h\n        up = f(x)\n"
              "        x[i] = old - h\n        down = f(x)\n        x[i] = old\n        grad[i] = (up - down) / (2 * h)\n"
              "    return grad")
    test = ("_arr = np.array([0.5, -1.0, 2.0])\n_copy = _arr.copy()\n"
            "_g = numeric_gradient(lambda _unused: float(np.sum(_arr ** 3)), _arr)\n"
            "assert_close(_g, 3 * _copy ** 2, rtol=1e-5, name='gradient')\n"
            "assert_close(_arr, _copy, name='x after numeric_gradient (restored)')")
    score, printed = graded(tmp_path, answer, test, setup)
    assert score == 4.0, printed
    not_restored = answer.replace("        x[i] = old\n", "")
    score, printed = graded(tmp_path, not_restored, test, setup)
    assert score < 4.0 and "restored" in printed


def test_suspicious_code_is_listed_for_a_ta_and_innocent_code_is_not():
    """The class report lists each line worth a look (it never changes a score)."""
    from autograder.worker.suspicious import suspicious_lines

    setup = new_code_cell(SETUP + "\n%matplotlib inline", metadata={"nbgrader": {
        "grade": False, "solution": False, "locked": True, "grade_id": "setup"}})
    attacks = [new_code_cell(ATTACKS[name], metadata={"nbgrader": {"solution": True, "grade_id": f"a{number}"}})
               for number, name in enumerate(ATTACKS) if name != "float equal to everything"]
    innocent = [new_code_cell(source) for source in INNOCENT.values()]
    innocent += [new_code_cell("%timeit sum(range(10))\n!ls\nimport pandas as pd\npd.options.display.max_rows = 10\n"
                               "class Net:\n    def __init__(self):\n        self.layers = []\n"
                               "from tensorflow import keras\nimport keras.layers as layers")]
    listed = suspicious_lines(new_notebook(cells=[setup, *innocent]))
    assert listed == []
    listed = suspicious_lines(new_notebook(cells=[setup, *attacks]))
    cells = {line.split(" line ")[0] for line in listed}
    assert cells == {f"cell a{number}" for number, name in enumerate(ATTACKS) if name != "float equal to everything"}, listed
    assert any("redefines assert_close, a check of the tests" in line for line in listed)


def test_a_students_variable_is_read_as_data_and_an_unreadable_one_fails_its_check(tmp_path):
    test = "assert_close(scaled, [0.0, 0.5], name='scaled')\nassert_shape(scaled, (2,), name='scaled')"
    score, printed = graded(tmp_path, "scaled = np.array([0.0, 0.5])", test, SETUP)
    assert score == 4.0, printed
    score, printed = graded(tmp_path, "scaled = (v for v in [0.0, 0.5])", test, SETUP)
    assert score == 0.0 and "scaled: expected a numpy array, got generator" in printed, printed


CASES_TEST = """for _n in (1, 2, 3, 4):
    assert_close(double(np.array([_n])), [2 * _n], name=f"double([{_n}])")"""
CASES_SETUP = SETUP


def test_a_loop_of_checks_counts_by_its_cases(tmp_path):
    wrong_for_four = "def double(x):\n    return np.where(x == 4, 0, 2 * x)"
    [score], [cell] = judged(tmp_path, [wrong_for_four], tests=(CASES_TEST,))
    assert score == 3.0  # 3 of 4 cases, 4 points
    assert "3 of 4 checks passed" in report(cell)
    assert "[case 4 of 4]" in report(cell) and "double([4])" in report(cell)
    weighed = CASES_TEST.replace("(1, 2, 3, 4):", "(1, 2, 3, 4):  # weight: 2")
    test = "assert_shape(double(np.array([1])), (1,), name='double')\n" + weighed
    [score], _ = judged(tmp_path, [wrong_for_four], tests=(test,), points=3.0)
    assert score == 2.5  # the shape check 1, the loop 2 in all: 1 + 2 * 3/4 of 3


def test_a_loop_that_cannot_list_its_cases_fails_its_checks_once(tmp_path):
    test = "for _n in double(np.array([1])).tolist() + [1 / 0]:\n    assert _n > 0, 'positive'"
    [score], [cell] = judged(tmp_path, [RIGHT.replace("scale", "double")], tests=(test,))
    assert score == 0.0
    assert "ZeroDivisionError" in report(cell)


FORMAT_TEST = """_out = scale(np.array([[0, 51], [255, 102]], dtype=np.uint8))
assert_shape(_out, (2, 2), name="scale(x)")  # format
assert_dtype(_out, np.float32, name="scale(x)")  # format, weight: 0.5
assert_close(_out[0], [0.0, 0.2], name="scale(x) first row")  # weight: 2
assert_close(_out[1], [1.0, 0.4], name="scale(x) second row")  # weight: 2"""


def test_format_checks_pay_only_beside_a_passed_check_of_substance(tmp_path):
    stub = "def scale(x):\n    return np.zeros(x.shape, dtype=np.float32)"
    [score], [cell] = judged(tmp_path, [stub], tests=(FORMAT_TEST,), points=5.5)
    assert score == 0.0
    assert "(1.00 pt, format)  assert_shape(_out, (2, 2), name=\"scale(x)\")\n" in report(cell)
    assert "# format" not in report(cell) and "weight:" not in report(cell)
    assert "earn their points once a check of what your code computes passes" in report(cell)
    half = "def scale(x):\n    out = x.astype(np.float32) / 255\n    out[1] = 0\n    return out"
    [score], _ = judged(tmp_path, [half], tests=(FORMAT_TEST,), points=5.5)
    assert score == 3.5  # shape 1 + dtype 0.5 + first row 2
    [score], _ = judged(tmp_path, [RIGHT], tests=(FORMAT_TEST,), points=5.5)
    assert score == 5.5


@pytest.mark.parametrize("value", ["np.float64('nan')", "np.float32('inf')", "float('-inf')"])
def test_nan_and_infinities_reach_the_judge_as_numbers(tmp_path, value):
    test = "assert_close(ratio(), 0.5, name='ratio()')"
    [score], [cell] = judged(tmp_path, [f"def ratio():\n    return {value}"], tests=(test,))
    assert score == 0.0
    shown = {"np.float64('nan')": "got nan", "np.float32('inf')": "got inf", "float('-inf')": "got -inf"}[value]
    assert shown in report(cell), report(cell)
    assert "could not read" not in report(cell)
    # and back: the judge sends them to the student's code as numbers too
    echo = f"_v = {value}\nassert_close(same(_v), _v, name='same(v)')"
    [score], _ = judged(tmp_path, ["def same(v):\n    return v"], tests=(echo,))
    assert score == 4.0


def test_a_cell_lost_to_a_keras_2_api_is_listed_for_a_ta_with_the_fix(tmp_path):
    """The grade counts what the code does in Keras 3 (it fails), and the class report lists
    the cell for a TA, who may credit the logic with a manual grade."""
    setup = SETUP + "\nimport keras"
    answer = ("def make_optimizer():\n    return keras.optimizers.SGD(lr=0.1)")
    test = ("_opt = make_optimizer()\nassert isinstance(_opt, keras.optimizers.SGD), 'expected SGD'\n"
            "assert abs(float(_opt.learning_rate) - 0.1) < 1e-6, 'expected learning rate 0.1'")
    [score], [cell] = judged(tmp_path, [answer], tests=(test,), setup=setup)
    assert score == 0.0
    assert "Hint: Keras 3 calls the learning rate learning_rate" in report(cell)
    [listed] = keras2_cells(new_notebook(cells=[cell]))
    assert listed.startswith("test test_0 scored 0 of 4 because of a Keras 2 API (Keras 3 calls the learning rate")
    assert "manual grade in the formgrader" in listed
    right = answer.replace("lr=", "learning_rate=")
    [score], [cell] = judged(tmp_path, [right], tests=(test,), setup=setup)
    assert score == 4.0 and keras2_cells(new_notebook(cells=[cell])) == []


def test_an_answer_cell_broken_by_a_keras_2_import_lists_the_tests_of_its_part():
    answer = new_code_cell("from keras.utils import np_utils", metadata={"nbgrader": {"solution": True, "grade_id": "one_hot"}})
    answer.outputs = [nbformat.v4.new_output("error", ename="ImportError", evalue="cannot import name 'np_utils'",
                                             traceback=[])]
    tests = []
    for grade_id, score in (("test_one_hot", None), ("test_one_hot_more", 1)):
        cell = new_code_cell("assert True", metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": 2}})
        cell.outputs = ([nbformat.v4.new_output("error", ename="NameError", evalue="name 'one_hot' is not defined",
                                                traceback=[])] if score is None else
                        [nbformat.v4.new_output("execute_result", data={"text/plain": "1"})])
        tests.append(cell)
    after = new_code_cell("x = 1", metadata={"nbgrader": {"solution": True, "grade_id": "accuracy"}})
    later = new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "test_accuracy", "points": 2}})
    later.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong", traceback=[])]
    listed = keras2_cells(new_notebook(cells=[answer, *tests, after, later]))
    assert [line.split(" scored")[0] for line in listed] == ["test test_one_hot", "test test_one_hot_more"]
    assert "keras.utils.to_categorical" in listed[0]


def test_feedback_shows_a_partial_score_in_the_checks_not_as_an_output_of_the_students_code(tmp_path):
    float64 = "def scale(x):\n    return x / 255"  # 3 of 4 checks
    [score], [cell] = judged(tmp_path, [float64])
    assert score == 3.0 and [o.output_type for o in cell.outputs] == ["stream", "execute_result", "display_data"]
    cell, _ = HideGraderOutputs().preprocess_cell(cell, {}, 0)
    assert [o.output_type for o in cell.outputs] == ["stream"]
    assert report(cell).startswith("3 of 4 checks passed: 3 of 4 points")


def test_the_checks_are_recorded_as_data_for_the_class_report_without_hidden_source(tmp_path):
    float64 = "def scale(x):\n    return x / 255"  # right values, wrong dtype
    [score], [cell] = judged(tmp_path, [float64])
    [record] = [o.data[CHECKS_MIME] for o in cell.outputs if CHECKS_MIME in o.get("data", {})]
    assert [(c["check"], c["line"], c["hidden"], c["passed"]) for c in record] == [
        (1, 3, False, True), (2, 4, False, False), (3, 5, False, True), (4, 9, True, True)]
    assert record[1]["message"] == "scale(x): expected dtype float32, got float64" and record[1]["points"] == 1.0
    assert "_big" not in str(record)


def test_a_check_never_judges_the_earlier_value_of_a_name_whose_statement_failed(tmp_path):
    test = ("_out = scale(np.array([[0, 51], [255, 102]], dtype=np.uint8))\n"
            "assert_close(_out, [[0.0, 0.2], [1.0, 0.4]], name='scale(x)')\n"
            "### BEGIN HIDDEN TESTS\n"
            "_out = scale(np.arange(7, dtype=np.uint8))\n"
            "assert_close(_out, np.arange(7) / 255, name='scale(7 values)')\n"
            "### END HIDDEN TESTS")
    two_by_two_only = "def scale(x):\n    assert x.shape == (2, 2), 'only 2x2'\n    return x.astype('float32') / 255"
    [score], [cell] = judged(tmp_path, [two_by_two_only], tests=(test,))
    assert score == 2.0  # the hidden check fails with the call's error; it never re-judges the visible _out
    assert "only 2x2" in report(cell)


def test_a_helper_the_test_cell_defines_is_not_a_check(tmp_path):
    test = ("def _doubled(values):\n    assert values is not None\n    return values * 2\n"
            "assert_close(_doubled(scale(np.array([255], dtype=np.uint8))), [2.0], name='scale twice')")
    [score], [cell] = judged(tmp_path, [RIGHT], tests=(test,))
    assert score == 4.0 and report(cell).startswith("1 of 1 checks passed")
