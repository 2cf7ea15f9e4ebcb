"""The trusted judge: autograded test cells run in the grader, never in the student's kernel.

While a notebook is graded, ``JudgedExecute`` (autograder/nbgrader_ext/execute.py) runs the
student's cells in the student's (sandboxed) kernel, and hands every autograded test cell to
a ``Judge`` instead. The judge runs the master's test code in the grader's own process, in a
namespace built from the master's locked cells (restored by nbgrader, so the student cannot
change them). Each name of the student's that a test uses is a stand-in: calling it sends
the arguments into the student's kernel as data (``wire.py``), runs the student's function
there (``probe.py``), and reads what it returned back as data: JSON,
``np.load(..., allow_pickle=False)``, Keras configs rebuilt in safe mode from Keras's own
classes (``keras_rebuild.py``). A model is rebuilt from its architecture and compile
settings, so ``fit``, ``predict`` and every check run on the grader's own copy: whatever the
student's code does in its kernel (replacing the checks, ``evaluate``, IPython's input
transformers...) changes only the data it sends. How the checks are scored: ``verdicts.py``.
"""

import ast
import base64
import builtins
import contextlib
import io
import json
import marshal
import os
import resource
import types

import numpy as np

from autograder.judge import probe, wire
from autograder.judge.errors import StudentError, unreadable
from autograder.judge.keras_rebuild import CALLBACKS, rebuild_callback, rebuild_keras
from autograder.judge.verdicts import Check, CellRun, Verdict, close_figures, is_case_loop
from autograder.markers import DEAD_KERNEL_ERROR, NOT_RUN_ERROR, TIMEOUT_ERROR
from autograder.notebook.source import hidden_test_lines, python_source
from autograder.settings import JUDGE_MAX_REPLY_CHARS, JUDGE_MEMORY_MB


class _NoShell:
    """``get_ipython()`` in the judge: the master's magics (``%matplotlib inline``) do nothing there."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class StudentFunction:
    """A function of the student's: calling it runs it in the student's kernel."""

    def __init__(self, name: str, judge: "Judge"):
        self.__name__ = self.__qualname__ = name
        self._judge = judge

    def __call__(self, *args, **kwargs):
        return self._judge.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<your function {self.__name__}>"


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
        self._kernel_sources = {name: module.__loader__.get_source(module.__name__) for name, module in
                               (("wire", wire), ("probe", probe))}

    # --- the master's own code ---
    def run_trusted(self, source: str) -> None:
        """Run a locked cell of the master (set-up, helpers) in the judge's namespace."""
        try:
            exec(compile(python_source(source), "<locked cell>", "exec"), self.namespace)
        except Exception as error:  # the tests that need what it defines fail on their own
            if self._log:
                self._log.warning("A locked cell failed in the judge: %s: %s", type(error).__name__, error)
        finally:
            close_figures()

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
        cell = CellRun(code, {number for number, _, kind in hidden_test_lines(source) if kind == "hidden"},
                        namespace, verdict)
        for statement in tree.body:
            if is_case_loop(statement):
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
                    stand_ins[name] = unreadable(f"{name} = ...", f"which the grader could not read ({error})")
        return stand_ins

    def call(self, name: str, args: tuple, kwargs: dict):
        encode = JudgeEncoder()
        request = {"op": "call", "name": name, "args": encode(list(args)), "kwargs": encode(dict(kwargs))}
        request["arrays"] = wire.write_arrays(encode.arrays)
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
        # the wire codec and the probe, from their source text: nothing the kernel imports is trusted
        code = ("def __kit_probe():\n"
                "    wire = __import__('types').ModuleType('wire')\n"
                f"    exec(compile({self._kernel_sources['wire']!r}, '<grader wire>', 'exec'), wire.__dict__)\n"
                "    namespace = {'wire': wire}\n"
                f"    exec(compile({self._kernel_sources['probe']!r}, '<grader probe>', 'exec'), namespace)\n"
                f"    namespace['main'](__import__('json').loads({json.dumps(request)!r}))\n"
                "try:\n    __kit_probe()\nfinally:\n    del __kit_probe\n")
        outputs = self._run_in_kernel(code)
        for output in outputs:
            if output.get("output_type") == "error":
                ename = output.get("ename", "Error")
                if ename in (TIMEOUT_ERROR, DEAD_KERNEL_ERROR, NOT_RUN_ERROR):
                    self._marker = DEAD_KERNEL_ERROR if ename == NOT_RUN_ERROR else ename
                    raise StudentError(str(output.get("evalue", "")), self._marker)
                where = f"{request['name']}(...)" if request["op"] == "call" else "your code"
                said = f": {output['evalue']}" if output.get("evalue") else ""
                raise StudentError(f"{where} raised {ename}{said}")  # GuardedExecute adds the hint
        for output in outputs:
            text = output.get("data", {}).get(wire.MIME) if output.get("output_type") == "display_data" else None
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
            arrays = wire.read_arrays(reply.get("arrays", ""))
        except Exception as error:
            raise StudentError(f"the grader could not read what your code returned ({error})") from None
        reply["decode"] = StudentDecoder(arrays)
        return reply


class StudentDecoder(wire.Decoder):
    """What the student's kernel sent, read safely: data, Keras objects rebuilt from Keras's own
    classes, callbacks, and stand-ins for what could not travel. Anything malformed is a
    ``StudentError`` that the check shows."""

    def __call__(self, node):
        try:
            return super().__call__(node)
        except StudentError:
            raise
        except Exception as error:
            raise StudentError(f"the grader could not read what your code returned ({error})") from None

    def other(self, node):
        kind = node["t"]
        if kind == wire.KERAS:
            return rebuild_keras(node["config"])
        if kind == wire.OBJECT:
            return rebuild_callback(node, super().__call__)
        if kind == wire.UNSUPPORTED:
            return unreadable(str(node.get("what", "an object")))
        return super().other(node)


class JudgeEncoder(wire.Encoder):
    """The judge's arguments as nodes: data, the student's own functions and modules by name,
    library functions and classes by their import path, the test's own functions as code."""

    def named(self, value):
        if isinstance(value, StudentFunction):
            return {"t": wire.STUDENT, "name": value.__name__}
        if isinstance(value, types.ModuleType):
            return {"t": wire.MODULE, "name": value.__name__}
        return None

    def other(self, value):
        if isinstance(value, types.FunctionType):
            if value.__module__ not in (None, "__judge__"):  # a library's: imported by name
                return {"t": wire.IMPORTABLE, "module": value.__module__, "name": value.__qualname__}
            return self._function(value)  # the test's own: sent as code
        if isinstance(value, type):
            return {"t": wire.IMPORTABLE, "module": value.__module__, "name": value.__qualname__}
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        if callable(value) and isinstance(getattr(value, "__module__", None), str) and isinstance(name, str):
            return {"t": wire.IMPORTABLE, "module": value.__module__, "name": name}  # np.mean, np.tanh, len
        cls = type(value)
        if cls.__module__.startswith("keras") and cls.__name__ in CALLBACKS:
            return {"t": wire.OBJECT, "class": f"keras.callbacks.{cls.__name__}",
                    "attrs": {k: self(v) for k, v in vars(value).items()
                              if not k.startswith("_") and isinstance(v, (int, float, str, list, dict, type(None)))}}
        raise TypeError(f"the grader cannot pass a {cls.__name__} to the student's code")

    def _function(self, function):
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
        return {"t": wire.FUNCTION, "name": function.__name__,
                "code": base64.b64encode(marshal.dumps(function.__code__)).decode("ascii"),
                "globals": globals_, "closure": closure, "defaults": self(function.__defaults__)}


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
