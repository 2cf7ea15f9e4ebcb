"""``GuardedExecute``: nbgrader's ``Execute`` made safe for unattended batches;
nbgrader_config.py puts it in place of ``Execute`` in autograding.

It is nbgrader's executor with one job per part: the kernel in the sandbox (sandbox.py),
each cell's processor time and printed output bounded (cell_limits.py), autograded test
cells judged in the grader (judged_cells.py); and, here, a dead kernel and hints:

* When the kernel dies (``os._exit``, a segfault, its memory limit), nbgrader drops the
  whole notebook. Here the cells that ran keep their results; the cell that was running
  and every test after it get an error saying the kernel died, so they score zero, and the
  notebook is kept for feedback.
* Each error of a student's cell, and each failed check, gets what to write instead where
  hints.py knows (a Keras-2 habit, a name an earlier failed cell was to define).
"""

from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade
from traitlets import default

from autograder.judge.verdicts import Verdict
from autograder.markers import DEAD_KERNEL_ERROR, MEMORY_LIMIT_MESSAGE, NOT_RUN_ERROR, TIMEOUT_ERROR
from autograder.nbgrader_ext.cell_limits import CpuLimit, OutputCap, error_output
from autograder.nbgrader_ext.hints import NAME_ERROR, failed_definition_hint, keras2_hint
from autograder.nbgrader_ext.judged_cells import JudgedCells
from autograder.nbgrader_ext.sandbox import SandboxedKernelManager
from autograder.notebook.source import bindings, cell_name


class GuardedExecute(JudgedCells, CpuLimit, OutputCap, Execute):
    """nbgrader's Execute in the sandbox, with cell limits, judged test cells, a kernel that may
    die, and hints (the module's docstring)."""

    @default("shutdown_kernel")
    def _kill_the_kernel_when_done(self):
        # once the notebook is graded the student's kernel has nothing left to do: killed
        # at once rather than asked to shut down (which waits for its TensorFlow to unload)
        return "immediate"

    _running = None
    _sandbox = None  # the kernel manager; nbclient forgets it when it cleans up

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes its own kernel manager class as an argument, which beats
        # the config: the sandbox is set here (its settings are SandboxedKernelManager's).
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._running = None
        try:
            return super().preprocess(nb, resources, km=km)
        except DeadKernelError:
            self.log.error("Kernel died in cell %s; failing it and every test after it", self._running)
            why, ename = "the kernel died while running this cell", DEAD_KERNEL_ERROR
            if self.over_cpu_limit:
                why = self.cpu_limit_text() + " (it ignored the interrupt)"
                ename = TIMEOUT_ERROR
            elif self._sandbox is not None and self._sandbox.memory_exceeded():
                why = (f"{MEMORY_LIMIT_MESSAGE} ({self._sandbox.memory_mb} MB) while running this "
                       "cell: use smaller arrays or batches")
            self._fail_from(nb, self._running or 0, why, ename)
            return nb, resources
        finally:
            if self._sandbox is not None:
                self._sandbox.release()
                self._sandbox = None

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxedKernelManager):
            self._sandbox = km
        return km

    def preprocess_cell(self, cell, resources, index):
        self._running = index
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code" and cell.execution_count is not None:  # run in the student's kernel
            self._add_hints(cell, index)
        return cell, resources

    def verdict_ready(self, verdict: Verdict, index: int) -> None:
        for check in verdict.checks:
            hint = None if check.passed or "Hint: " in check.message else self._hint(check.message, index)
            if hint:
                check.message += f"\nHint: {hint}"

    def _add_hints(self, cell, index: int) -> None:
        """Append to each error of the cell what to write instead, where hints.py knows."""
        for output in cell.outputs:
            if output.get("output_type") == "error":
                hint = self._hint(f"{output.ename}: {output.evalue}", index)
                if hint:
                    output.traceback = [*output.get("traceback", []), f"Hint: {hint}"]

    def _hint(self, message: str, index: int) -> str | None:
        """What to write instead, for an error message met at cell ``index``."""
        hint = keras2_hint(message)
        if hint is None and NAME_ERROR.search(message):
            earlier = [(cell_name(other, number), set(bindings(other.source)),
                        next((o.ename for o in other.get("outputs", []) if o.output_type == "error"), None))
                       for number, other in enumerate(self.nb.cells[:index]) if other.cell_type == "code"]
            hint = failed_definition_hint(message, earlier)
        return hint

    @staticmethod
    def _fail_from(nb, start: int, why: str, ename: str) -> None:
        for index, cell in enumerate(nb.cells[start:], start):
            if cell.cell_type != "code":
                continue
            if index == start:
                cell.outputs.append(error_output(ename, why))
            elif is_grade(cell):
                cell.outputs = [error_output(NOT_RUN_ERROR, "not run: the kernel died in an earlier cell")]

    def execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        # nbclient binds its own coroutine to execute_cell: this one runs the limits' too
        return run_sync(self.async_execute_cell)(cell, cell_index, execution_count, store_history)
