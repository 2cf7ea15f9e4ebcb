"""The trusted judge: autograded test cells run in the grader, never in the student's kernel.

While a notebook is graded, ``GuardedExecute`` runs the student's cells in the student's
(sandboxed) kernel, and hands every autograded test cell to a ``Judge`` instead. The judge
runs the master's test code in the grader's own process, in a namespace built from the
master's locked cells (restored by nbgrader, so the student cannot change them). Each name
of the student's that a test uses is a stand-in: calling it sends the arguments into the
student's kernel as data, runs the student's function there (``autograder/probe.py``), and
reads what it returned back as data: JSON, ``np.load(..., allow_pickle=False)``, Keras
configs rebuilt in safe mode from Keras's own classes. A model is rebuilt from its
architecture and compile settings, so ``fit``, ``predict`` and every check run on the
grader's own copy: whatever the student's code does in its kernel (replacing the checks,
``evaluate``, IPython's input transformers...) changes only the data it sends.

A test cell's checks are its top-level statements that check something: ``assert``
statements and calls of ``assert_*`` / ``check_*`` functions (a block holding them counts
once; a ``for`` loop counts by its cases: each check of its body once per item). Each
weighs 1, or what a ``# weight: N`` comment on its first line says; a ``# format`` comment
marks a check of type, shape, dtype or keys, which pays only once a check of the concept
passed. Every check runs, also after one has failed, and the cell scores its points times
the weight of the checks that pay over the weight of all; a cell in which no call of the
student's code returned scores nothing (a blank answer). docs/authoring.md has the rule
by which a master's checks are weighed. The cell's output lists each
check, passed or failed, with its share of the points and its message; hidden checks are
shown by number, never by their source. What a test cell prints is not shown.
"""

import ast
import base64
import builtins
import contextlib
import io
import json
import marshal
import math
import os
import re
import resource
import types
from dataclasses import dataclass, field

import numpy as np
from nbformat.notebooknode import NotebookNode

from autograder import probe
from autograder.settings import JUDGE_MAX_PARAMS, JUDGE_MAX_REPLY_CHARS, JUDGE_MEMORY_MB
from autograder.source import hidden_test_lines, python_source
from autograder.status import (
    CHECK_PREFIXES, CHECKS_MIME, DEAD_KERNEL_ERROR, FORMAT, NOT_RUN_ERROR, TIMEOUT_ERROR, WEIGHT,
)

CANDIDATE_LOSSES = (
    "mean_squared_error", "mean_absolute_error", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy", "kl_divergence", "huber",
    "log_cosh", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "categorical_hinge", "hinge", "squared_hinge", "poisson",
)
CALLBACKS = ("EarlyStopping", "History", "ModelCheckpoint", "ReduceLROnPlateau", "CSVLogger",
             "TerminateOnNaN", "BackupAndRestore")


class StudentError(Exception):
    """A call of the student's code failed in the student's kernel; ``marker`` is the status
    marker of the failure where it was a time limit or a dead kernel."""

    def __init__(self, message: str, marker: str | None = None):
        super().__init__(message)
        self.marker = marker


class Unreadable:
    """Stands for a value of the student's that could not travel as data; using it fails."""

    def __init__(self, what: str, why: str = "which the grader cannot read: return numbers, "
                 "numpy arrays, lists, dicts or Keras objects"):
        self.what, self.why = what, why

    def _fail(self, *_args, **_kwargs):
        raise AssertionError(f"your code returned {self.what}, {self.why}")

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = __array__ = _fail

    def __repr__(self):
        return f"<{self.what}>"


class _NoShell:
    """``get_ipython()`` in the judge: the master's magics (``%matplotlib inline``) do nothing there."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _unreadable(what: str, why: str | None = None) -> Unreadable:
    """An Unreadable whose class is named after the student's type ("a builtins.generator" ->
    generator), so that a check says "expected a numpy array, got generator"."""
    name = re.sub(r"\W", "_", what.rsplit(".", 1)[-1].split()[-1]) or "Unreadable"
    cls = type(name if name.isidentifier() else "Unreadable", (Unreadable,), {})
    return cls(what, why) if why else cls(what)


class StudentFunction:
    """A function of the student's: calling it runs it in the student's kernel."""

    def __init__(self, name: str, judge: "Judge"):
        self.__name__ = self.__qualname__ = name
        self._judge = judge

    def __call__(self, *args, **kwargs):
        return self._judge.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<your function {self.__name__}>"


@dataclass
class Check:
    hidden: bool
    label: str
    message: str | None = None  # None when it passed
    weight: float = 1.0
    format: bool = False        # a type, shape, dtype or keys check: pays only beside a passed concept check
    line: int = 0               # its first line in the test cell, from 1 (a loop's cases share theirs)

    @property
    def passed(self) -> bool:
        return self.message is None


@dataclass
class Verdict:
    points: float
    checks: list[Check] = field(default_factory=list)
    answered: bool = False      # some call of the student's code returned
    marker: str | None = None   # a time limit or dead kernel met on the way

    @property
    def format_pays(self) -> bool:
        """Format checks earn their weight once some check of the concept passed (or where a
        cell has only format checks): a stub of the right shape earns nothing."""
        concept = [check for check in self.checks if not check.format]
        return not concept or any(check.passed and check.weight > 0 for check in concept)

    @property
    def score(self) -> float:
        if not self.answered or not self.checks:
            return 0.0
        paying = [check for check in self.checks if check.passed and (self.format_pays or not check.format)]
        return round(self.points * sum(check.weight for check in paying) / self.total_weight, 2)

    @property
    def total_weight(self) -> float:
        return sum(check.weight for check in self.checks) or 1.0

    def checks_record(self) -> NotebookNode:
        """Every check as data, in source order (loop cases in turn): for the class report's
        item analysis, which reads it from the autograded notebook. Hidden checks carry their
        line number, never their source."""
        share = self.points / self.total_weight
        record = [{"check": number, "line": check.line, "hidden": check.hidden, "format": check.format,
                   "weight": check.weight, "points": round(share * check.weight, 4), "passed": check.passed,
                   "message": check.message} for number, check in enumerate(self.checks, start=1)]
        return NotebookNode(output_type="display_data", metadata={}, data={CHECKS_MIME: record})

    def outputs(self) -> list[NotebookNode]:
        """The test cell's outputs, as nbgrader scores them: full points with no error, a
        partial score as the cell's result, zero as an error; the checks' record last."""
        return [*self._scored_outputs(), self.checks_record()]

    def _scored_outputs(self) -> list[NotebookNode]:
        passed = sum(c.passed for c in self.checks)
        lines = [f"{passed} of {len(self.checks)} checks passed: {self.score:g} of {self.points:g} points"]
        hidden = 0
        for check in self.checks:
            if check.hidden:
                hidden += 1
            label = f"hidden check {hidden}" if check.hidden else check.label
            share = self.points * check.weight / self.total_weight
            kind = ", format" if check.format else ""
            lines.append(f"  {'passed' if check.passed else 'FAILED'}  ({share:.2f} pt{kind})  {label}")
            if not check.passed:
                lines.extend(f"          {line}" for line in check.message.splitlines())
        if not self.answered and self.checks:
            lines.append("  No call of your code in this cell returned a value, so it scores 0.")
        elif not self.format_pays and any(c.passed and c.format for c in self.checks):
            lines.append("  The format checks (type, shape, dtype) earn their points once a check of what "
                         "your code computes passes.")
        outputs = [NotebookNode(output_type="stream", name="stdout", text="\n".join(lines) + "\n")]
        if self.score >= self.points:
            return outputs
        if self.score > 0:  # nbgrader reads the first result or error: the score comes first
            outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                        data={"text/plain": f"{self.score:g}"}))
            if self.marker:  # the status (time limit, dead kernel) still reaches the class report
                outputs.append(NotebookNode(output_type="error", ename=self.marker, evalue="",
                                            traceback=[f"{self.marker}: a call of your code was stopped"]))
            return outputs
        failed = [c.message for c in self.checks if not c.passed] or ["no call of your code returned"]
        ename = self.marker or "AssertionError"
        lines = [line for message in failed for line in message.splitlines()]
        return outputs + [NotebookNode(output_type="error", ename=ename, evalue=failed[0].splitlines()[0],
                                       traceback=[f"{ename}: {lines[0]}", *lines[1:]])]


class Judge:
    """Judges one notebook's test cells. ``run_in_kernel(code)`` runs code in the student's
    kernel and returns the outputs it produced (a list of nbformat outputs)."""

    def __init__(self, run_in_kernel, threads: int = 2, log=None, memory_mb: int = JUDGE_MEMORY_MB):
        # the judge trains with as many threads as a student's kernel, so that its results
        # do not depend on the grader's number of cores (read when TensorFlow is imported)
        for variable in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(variable, str(threads))
        self._run_in_kernel = run_in_kernel
        self._log = log
        self._memory_mb = memory_mb
        self.namespace = {"__name__": "__judge__", "__builtins__": builtins, "get_ipython": _NoShell}
        self._calls_returned = 0
        self._marker = None  # set when a call met a time limit or the kernel died
        self._probe_source = probe.__loader__.get_source(probe.__name__)

    # --- the master's own code ---
    def run_trusted(self, source: str) -> None:
        """Run a locked cell of the master (set-up, helpers) in the judge's namespace."""
        try:
            exec(compile(python_source(source), "<locked cell>", "exec"), self.namespace)
        except Exception as error:  # the tests that need what it defines fail on their own
            if self._log:
                self._log.warning("A locked cell failed in the judge: %s: %s", type(error).__name__, error)
        finally:
            _close_figures()

    def judge_cell(self, source: str, points: float) -> Verdict:
        """Run one test cell (visible and hidden checks) against the student's code. What the
        cell prints for a student working alone (``visible_tests_passed``) is dropped: the
        verdict's list of checks says what passed."""
        with memory_cap(self._memory_mb), contextlib.redirect_stdout(io.StringIO()):
            return self._judge_cell(source, points)

    def _judge_cell(self, source: str, points: float) -> Verdict:
        verdict = Verdict(points=points)
        code = python_source(source)
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            verdict.checks.append(Check(False, "the test cell", f"SyntaxError: {error}"))
            return verdict
        self._calls_returned, self._marker = 0, None
        namespace = dict(self.namespace)
        namespace.update(self._stand_ins(tree, namespace))
        cell = _CellRun(code, {number for number, _, kind in hidden_test_lines(source) if kind == "hidden"},
                        namespace, verdict)
        for statement in tree.body:
            if _is_case_loop(statement):
                cell.run_cases(statement)
            else:
                cell.run(statement)
        if not verdict.checks:  # a cell without checks passes when it runs
            verdict.checks.append(Check(False, "the test cell runs", cell.failures[0] if cell.failures else None))
        verdict.answered = self._calls_returned > 0
        verdict.marker = self._marker
        return verdict

    # --- calls into the student's kernel ---
    def _stand_ins(self, tree, namespace) -> dict:
        """The student's names this cell uses: functions as StudentFunction, other values as data."""
        stored = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
        stored |= {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        stored |= {(alias.asname or alias.name).split(".")[0] for node in ast.walk(tree)
                   if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        stored |= {arg.arg for node in ast.walk(tree) if isinstance(node, ast.arguments)
                   for arg in node.args + node.kwonlyargs + node.posonlyargs}
        wanted = sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
                         and isinstance(node.ctx, ast.Load)} - stored - set(namespace) - set(dir(builtins)))
        if not wanted:
            return {}
        try:
            reply = self._request({"op": "lookup", "names": wanted})
        except StudentError:
            return {}  # every use then fails with a NameError, whose message the check shows
        stand_ins = {}
        for name, found in reply["found"].items():
            if found.get("kind") == "callable":
                stand_ins[name] = StudentFunction(name, self)
            elif found.get("kind") == "value":
                try:
                    stand_ins[name] = reply["decode"](found["value"])
                    self._calls_returned += 1  # the student's code answered with a value
                except StudentError as error:
                    stand_ins[name] = _unreadable(f"{name} = ...", f"which the grader could not read ({error})")
        return stand_ins

    def call(self, name: str, args: tuple, kwargs: dict):
        encode = _JudgeEncoder()
        request = {"op": "call", "name": name, "args": encode(list(args)), "kwargs": encode(dict(kwargs))}
        request["arrays"] = probe.write_arrays(encode.arrays)
        reply = self._request(request)
        value = reply["decode"](reply["value"])
        for node_id, node in reply.get("after", {}).items():  # arrays changed in place by the student's code
            original = encode.objects.get(int(node_id))
            changed = reply["decode"](node)
            if isinstance(original, np.ndarray) and isinstance(changed, np.ndarray) \
                    and changed.shape == original.shape and original.flags.writeable:
                np.copyto(original, changed, casting="unsafe")
        self._calls_returned += 1
        return value

    def _request(self, request: dict) -> dict:
        if self._marker == DEAD_KERNEL_ERROR:
            raise StudentError("not run: the kernel died in an earlier call", DEAD_KERNEL_ERROR)
        code = (f"def __kit_probe():\n    namespace = {{}}\n"
                f"    exec(compile({self._probe_source!r}, '<grader probe>', 'exec'), namespace)\n"
                f"    namespace['main'](__import__('json').loads({json.dumps(request)!r}))\n"
                "try:\n    __kit_probe()\nfinally:\n    del __kit_probe\n")
        outputs = self._run_in_kernel(code)
        for output in outputs:
            if output.get("output_type") == "error":
                ename = output.get("ename", "Error")
                if ename in (TIMEOUT_ERROR, DEAD_KERNEL_ERROR, NOT_RUN_ERROR):
                    self._marker = DEAD_KERNEL_ERROR if ename == NOT_RUN_ERROR else ename
                    raise StudentError(str(output.get("evalue", "")), self._marker)
                hints = [line for line in output.get("traceback", []) if line.startswith("Hint: ")]
                where = f"{request['name']}(...)" if request["op"] == "call" else "your code"
                said = f": {output['evalue']}" if output.get("evalue") else ""
                raise StudentError("\n".join([f"{where} raised {ename}{said}", *hints]))
        for output in outputs:
            text = output.get("data", {}).get(probe.MIME) if output.get("output_type") == "display_data" else None
            if text is not None:
                return self._read_reply(text)
        raise StudentError("your code did not let the grader read its result "
                           "(the notebook changed how results are displayed)")

    @staticmethod
    def _read_reply(text) -> dict:
        if not isinstance(text, str) or len(text) > JUDGE_MAX_REPLY_CHARS:
            raise StudentError("your code returned more data than the grader reads")
        try:
            reply = json.loads(text)
            arrays = probe.read_arrays(reply.get("arrays", ""))
        except Exception as error:
            raise StudentError(f"the grader could not read what your code returned ({error})") from None
        reply["decode"] = _StudentDecoder(arrays)
        return reply


# --- from the student's kernel: data only, read safely ---
class _StudentDecoder:
    def __init__(self, arrays):
        self.arrays, self.objects = arrays, {}

    def __call__(self, node):
        try:
            return self._decode(node)
        except StudentError:
            raise
        except Exception as error:
            raise StudentError(f"the grader could not read what your code returned ({error})") from None

    def _decode(self, node):
        kind = node["t"]
        if kind == "py":
            if node["v"] is not None and not isinstance(node["v"], (bool, int, float, str)):
                raise ValueError("bad value")
            return node["v"]
        if kind == "float":
            return float({"nan": "nan", "inf": "inf", "-inf": "-inf"}[node["v"]])
        if kind == "npscalar":
            dtype = np.dtype(node["dtype"])
            if dtype.kind not in "biuf":
                raise ValueError(f"dtype {dtype}")
            return dtype.type(self._decode(node["v"]))
        if kind == "ref":
            return self.objects[node["id"]]
        if kind == "array":
            return self._keep(node, self.arrays[node["key"]])
        if kind in ("list", "tuple"):
            items = self._keep(node, [])
            items.extend(self._decode(item) for item in node["items"])
            return self._keep(node, tuple(items)) if kind == "tuple" else items
        if kind == "dict":
            mapping = self._keep(node, {})
            for key, value in node["items"]:
                key = self._decode(key)
                if not isinstance(key, (str, int, float, bool, tuple)) and key is not None:
                    raise ValueError("dict key")
                mapping[key] = self._decode(value)
            return mapping
        if kind == "keras":
            return _rebuild_keras(node["config"])
        if kind == "object":
            return self._callback(node)
        if kind == "unsupported":
            return _unreadable(str(node.get("what", "an object")))
        raise ValueError(f"unknown kind {kind!r}")

    def _keep(self, node, value):
        if "id" in node:
            self.objects[node["id"]] = value
        return value

    def _callback(self, node):
        """A Keras callback, rebuilt as the nearest Keras class the student's class derives from."""
        import keras

        for path in node.get("classes", []):
            module, _, name = str(path).rpartition(".")
            if module.startswith("keras") and name in CALLBACKS:
                cls = getattr(keras.callbacks, name)
                obj = cls.__new__(cls)
                for attr, value in node.get("attrs", {}).items():
                    if isinstance(attr, str) and attr.isidentifier():
                        setattr(obj, attr, self._decode(value))
                return obj
        first = str((node.get("classes") or ["callback"])[0])
        return _unreadable(f"a {first}", "a callback the grader does not rebuild: use one of Keras's callbacks")


@contextlib.contextmanager
def memory_cap(megabytes: int):
    """Cap this process's private memory (RLIMIT_DATA) while the block runs, then restore it.

    A model rebuilt from a student's config allocates its weights in the grader: one of
    billions of parameters then fails to allocate (Keras raises, the check fails) instead of
    taking the machine's memory before its size can be checked. Where the platform has no
    such limit, the block runs uncapped."""
    try:
        before = soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = megabytes << 20 if hard == resource.RLIM_INFINITY else min(megabytes << 20, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError, AttributeError):
        before = None
    try:
        yield
    finally:
        if before is not None:
            resource.setrlimit(resource.RLIMIT_DATA, before)


def _rebuild_keras(config: dict):
    """A Keras object from the config the student's kernel sent: Keras's own classes only,
    deserialized in safe mode; a model is compiled here from its compile settings."""
    import keras

    _only_keras_modules(config)
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    try:
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:
        if "OOM" in str(error) or isinstance(error, MemoryError):
            raise StudentError("your model is too large for the grader to rebuild: its weights alone "
                               "need more memory than the grader allows") from None
        raise
    if isinstance(obj, keras.Model):
        if obj.built and obj.count_params() > JUDGE_MAX_PARAMS:
            raise StudentError(f"your model has {obj.count_params():,} parameters, more than the "
                               f"grader trains ({JUDGE_MAX_PARAMS:,})")
        if compile_config:
            _compile(obj, compile_config)
    return obj


def _only_keras_modules(node, path="config"):
    """Refuse configs that name code outside Keras (custom or injected classes and functions)."""
    if isinstance(node, dict):
        module = node.get("module")
        builtin_function = module == "builtins" and node.get("class_name") == "function" \
            and _is_keras_function(node.get("config"))  # how Keras writes its own losses and metrics
        if module is not None and not (module == "keras" or str(module).startswith("keras.") or builtin_function):
            name = node.get("class_name") if node.get("class_name") != "function" else node.get("config")
            raise StudentError(f"your model uses {name!r} from {module!r}, which the grader does not "
                               "rebuild: use Keras's own layers, activations, losses and optimizers")
        if ">" in str(node.get("registered_name") or ""):  # an object registered by another package
            raise StudentError(f"your model uses a custom object {node.get('registered_name')!r}, which the "
                               "grader does not rebuild: use Keras's own layers and functions")
        for key, value in node.items():
            _only_keras_modules(value, f"{path}.{key}")
    elif isinstance(node, list):
        for value in node:
            _only_keras_modules(value, path)


def _is_keras_function(name) -> bool:
    """Whether Keras knows a loss, metric or activation function of that name."""
    import keras

    for get in (keras.losses.get, keras.metrics.get, keras.activations.get):
        try:
            if isinstance(name, str) and get(name) is not None:
                return True
        except (ValueError, TypeError):
            pass
    return False


def _compile(model, compile_config: dict) -> None:
    import keras

    loss = compile_config.get("loss")
    if isinstance(loss, dict) and "kit_custom_loss" in loss:
        loss = _keras_loss_like(loss)
    elif loss is not None and not isinstance(loss, str):
        loss = keras.saving.deserialize_keras_object(loss, safe_mode=True)
    metrics = []
    for metric in compile_config.get("metrics") or []:
        if isinstance(metric, str):
            metrics.append(metric)
        elif isinstance(metric, dict) and metric.get("class_name") != "function":
            metrics.append(keras.saving.deserialize_keras_object(metric, safe_mode=True))
    optimizer = compile_config.get("optimizer") or "rmsprop"
    if isinstance(optimizer, dict):
        optimizer = keras.saving.deserialize_keras_object(optimizer, safe_mode=True)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics or None)


def _keras_loss_like(custom: dict):
    """The Keras loss whose values on ``probe.loss_probes()`` equal those of the student's own
    loss function; a stand-in that fails with a clear message when none does."""
    import keras

    name = str(custom.get("kit_custom_loss", "loss"))
    values = custom.get("values") or {}
    for candidate in CANDIDATE_LOSSES:
        agree = 0
        for kind, targets, predictions in probe.loss_probes():
            try:
                want = float(np.mean(np.asarray(keras.losses.get(candidate)(targets, predictions))))
            except Exception:
                continue
            got = values.get(kind)
            if not isinstance(got, (int, float)) or not math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-6):
                break
            agree += 1
        else:
            if agree:
                return candidate

    def unknown_loss(y_true, y_pred):
        raise AssertionError(f"your loss function {name!r} gives values no Keras loss gives, so the "
                             "grader cannot train with it: use a Keras loss")

    unknown_loss.__name__ = name if name.isidentifier() else "unknown_loss"
    return unknown_loss


# --- to the student's kernel: the judge's arguments ---
class _JudgeEncoder:
    """The judge's values as probe nodes: data, and the test's own functions as code."""

    def __init__(self):
        self.arrays, self.ids, self.objects = {}, {}, {}

    def __call__(self, value):
        if value is None or isinstance(value, (bool, int, str)):
            return {"t": "py", "v": value}
        if isinstance(value, np.generic):  # before float: np.float64 is one
            return {"t": "npscalar", "dtype": value.dtype.str, "v": self(value.item())}
        if isinstance(value, float):
            return {"t": "py", "v": value} if math.isfinite(value) else {"t": "float", "v": repr(float(value))}
        if isinstance(value, StudentFunction):
            return {"t": "student", "name": value.__name__}
        if isinstance(value, types.ModuleType):
            return {"t": "module", "name": value.__name__}
        if id(value) in self.ids:
            return {"t": "ref", "id": self.ids[id(value)]}
        node_id = self.ids[id(value)] = len(self.ids)
        self.objects[node_id] = value
        if isinstance(value, np.ndarray):
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"t": "array", "key": key, "id": node_id}
        if isinstance(value, (list, tuple)):
            return {"t": type(value).__name__ if type(value) in (list, tuple) else "list", "id": node_id,
                    "items": [self(item) for item in value]}
        if isinstance(value, dict):
            return {"t": "dict", "id": node_id, "items": [[self(k), self(v)] for k, v in value.items()]}
        if isinstance(value, types.FunctionType):
            if value.__module__ not in (None, "__judge__"):  # a library's: imported by name
                return {"t": "importable", "module": value.__module__, "name": value.__qualname__}
            return self._function(value, node_id)  # the test's own: sent as code
        if isinstance(value, type):
            return {"t": "importable", "module": value.__module__, "name": value.__qualname__}
        cls = type(value)
        if cls.__module__.startswith("keras") and cls.__name__ in CALLBACKS:
            return {"t": "object", "id": node_id, "class": f"keras.callbacks.{cls.__name__}",
                    "attrs": {k: self(v) for k, v in vars(value).items()
                              if not k.startswith("_") and isinstance(v, (int, float, str, list, dict, type(None)))}}
        raise TypeError(f"the grader cannot pass a {cls.__name__} to the student's code")

    def _function(self, function, node_id):
        """A function the test defines, as code: the student's kernel rebuilds it with the
        globals it names (data, modules, other functions) and its closure."""
        names = set()
        stack = [function.__code__]
        while stack:
            code = stack.pop()
            names.update(code.co_names)
            stack.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
        globals_ = {name: self(function.__globals__[name]) for name in sorted(names)
                    if name in function.__globals__ and name not in ("__builtins__", "__name__")}
        closure = [self(cell.cell_contents) for cell in function.__closure__ or ()]
        return {"t": "function", "id": node_id, "name": function.__name__,
                "code": base64.b64encode(marshal.dumps(function.__code__)).decode("ascii"),
                "globals": globals_, "closure": closure, "defaults": self(function.__defaults__)}


class _CellRun:
    """One test cell's statements run in turn in ``namespace``; every check becomes a ``Check``
    of ``verdict``, passed or failed, and a failure never stops the statements after it."""

    def __init__(self, code: str, hidden_lines: set[int], namespace: dict, verdict: Verdict):
        self.code, self.lines, self.hidden_lines = code, code.splitlines(), hidden_lines
        self.namespace, self.verdict = namespace, verdict
        self.broken: dict[str, str] = {}  # name -> why the statement that binds it failed
        self.failures: list[str] = []     # of statements that check nothing

    def run(self, statement, case: str = "", weight: float | None = None, format_: bool = False) -> None:
        """Run one statement; a check is recorded with its weight (``weight`` when a case loop
        decides it) and kind; ``case`` names the loop case it runs in."""
        checks = is_check(statement)
        try:
            exec(compile(ast.Module(body=[statement], type_ignores=[]), "<test cell>", "exec"), self.namespace)
            message = None
            for name in _stored_names(statement):
                self.broken.pop(name, None)
        except Exception as error:  # a failing check, or the student's code failing under it
            message = _message(error, self.broken)
            if not checks:
                self.failures.append(message)
                for name in _stored_names(statement):  # unbound: later checks fail with this message,
                    self.broken[name] = message        # never judge an earlier value of the name
                    self.namespace.pop(name, None)
        finally:
            _close_figures()
        if checks:
            self.add_check(statement, message, case, weight, format_)

    def add_check(self, statement, message, case="", weight=None, format_=False) -> None:
        line = self.lines[statement.lineno - 1]
        first = ast.get_source_segment(self.code, statement).splitlines()[0]
        label = _without_markers(first)[:120] + case
        self.verdict.checks.append(Check(statement.lineno in self.hidden_lines, label, message,
                                         _weight(line) if weight is None else weight,
                                         format_ or bool(FORMAT.search(line)), statement.lineno))

    def run_cases(self, loop: ast.For) -> None:
        """A loop of checks counts by its cases: each check of its body is judged once per
        item. A ``# weight: N`` on the ``for`` line is the whole loop's, shared by its
        cases; a ``# format`` there makes every check of the loop a format check."""
        line = self.lines[loop.lineno - 1]
        loop_format = bool(FORMAT.search(line))
        body_checks = [statement for statement in loop.body if is_check(statement)]
        try:
            items = list(eval(compile(ast.Expression(loop.iter), "<test cell>", "eval"), self.namespace))
        except Exception as error:  # no case can run: each check of the body fails once,
            message = _message(error, self.broken)  # with the loop's whole weight where it has one
            whole = _weight(line) / sum(_weight(self.lines[s.lineno - 1]) for s in body_checks) \
                if WEIGHT.search(line) else 1.0
            for statement in body_checks:
                self.add_check(statement, message, "", whole * _weight(self.lines[statement.lineno - 1]),
                               loop_format)
            return
        share = None
        if WEIGHT.search(line) and items:
            share = _weight(line) / len(items) / sum(_weight(self.lines[s.lineno - 1]) for s in body_checks)
        assign = compile(f"{ast.unparse(loop.target)} = __kit_case", "<test cell>", "exec")
        for number, item in enumerate(items, start=1):
            self.namespace["__kit_case"] = item
            try:
                exec(assign, self.namespace)
            except Exception as error:  # the case does not unpack: its checks fail
                for statement in body_checks:
                    self.add_check(statement, _message(error, self.broken), f"  [case {number} of {len(items)}]",
                                   share * _weight(self.lines[statement.lineno - 1]) if share is not None else None,
                                   loop_format)
                continue
            for statement in loop.body:
                weight = share * _weight(self.lines[statement.lineno - 1]) if share is not None else None
                self.run(statement, f"  [case {number} of {len(items)}]", weight, loop_format)
        self.namespace.pop("__kit_case", None)


# --- reading a test cell ---
def is_check(statement) -> bool:
    """An assert, or a call of an assert_*/check_* function, anywhere in the statement but in
    the body of a function or class it defines (a test cell's own helper checks nothing by
    being defined)."""
    for node in _walk_outside_definitions(statement):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name.startswith(CHECK_PREFIXES):
                return True
    return False


def _walk_outside_definitions(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_outside_definitions(child)


def _is_case_loop(statement) -> bool:
    """A ``for`` loop over cases whose body holds checks, with no ``else``, ``break`` or ``continue``."""
    return (isinstance(statement, ast.For) and not statement.orelse and is_check(statement)
            and not any(isinstance(node, (ast.Break, ast.Continue)) for node in ast.walk(statement)))


def _without_markers(line: str) -> str:
    """A check's first line as a student reads it: without its weight or format comment."""
    found = FORMAT.search(line) or WEIGHT.search(line)
    return line[:found.start()].rstrip() if found else line


def _weight(line: str) -> float:
    found = WEIGHT.search(line)
    return float(found.group(1)) if found else 1.0


def _stored_names(statement) -> set[str]:
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _message(error: Exception, broken: dict[str, str]) -> str:
    """What a failed statement tells the student: a check's own message, the student's error,
    or, for a name an earlier failed statement should have bound, that statement's failure."""
    if isinstance(error, NameError) and getattr(error, "name", None) in broken:
        return broken[error.name]
    if isinstance(error, (AssertionError, StudentError)) and str(error):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _close_figures() -> None:
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
