"""nbgrader preprocessors the kit adds to autograding; nbgrader_config.py switches them on.

* ``GuardedExecute`` replaces nbgrader's ``Execute``: it survives a dead kernel, bounds
  each cell's processor time and printed output, and adds hints to errors (hints.py).
  Autograded test cells are not run in the student's kernel: the judge (judge.py) runs
  them in the grader and calls the student's functions as data.
* ``HideHiddenTests`` runs when feedback is generated: students see each hidden test's
  message, never its source.
"""

import asyncio
import re
import signal

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Bool, Integer, Unicode, default

from autograder.hints import NAME_ERROR, failed_definition_hint, keras2_hint
from autograder.judge import Judge
from autograder.sandbox import SandboxedKernelManager
from autograder.settings import CELL_CPU_LIMIT_S, CELL_OUTPUT_CHARS, JUDGE_MEMORY_MB
from autograder.source import bindings, cell_name, hidden_test_lines
from autograder.status import (
    BEGIN_HIDDEN, CHECKS_MIME, DEAD_KERNEL_ERROR, MEMORY_LIMIT_MESSAGE, NOT_RUN_ERROR, TIMEOUT_ERROR,
)


def _error(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"{ename}: {message}"])


class GuardedExecute(Execute):
    """nbgrader's Execute, made safe for unattended batches.

    When the kernel dies (``os._exit``, a segfault, the grader's memory cap), nbgrader
    drops the whole notebook. Here the cells that ran keep their results; the cell that
    was running and every test after it get an error saying the kernel died, so they
    score zero, and the notebook is kept for feedback. Each cell's printed text is cut at
    ``max_output_chars`` while it streams, so a runaway print cannot fill the grader's
    memory or the stored notebook.

    A cell may use ``cpu_limit`` seconds of processor time (its kernel and every process
    it starts, all threads counted): processor time, unlike wall-clock time, is the same
    on an idle and on a busy machine, so the limit does not depend on what else runs.
    A cell over it is interrupted (killed if it ignores the interrupt) and fails with a
    message naming the limit and ``budget``; the notebook goes on with the next cell.
    nbclient's wall-clock ``timeout`` stays as a backstop for cells that wait without
    computing.
    """

    max_output_chars = Integer(
        CELL_OUTPUT_CHARS, help="Characters of stream output kept per cell; the rest is dropped."
    ).tag(config=True)
    judge_memory_mb = Integer(
        JUDGE_MEMORY_MB, help="Private memory (RLIMIT_DATA) of the grader's process while it judges a test "
        "cell: a student's model whose weights need more fails its checks instead of filling the machine."
    ).tag(config=True)
    cpu_limit = Integer(
        CELL_CPU_LIMIT_S, help="Processor seconds one cell may use, all threads and processes together."
    ).tag(config=True)
    cpu_limit_message = Unicode(
        "this cell used more than the grader's limit of {limit} s of processor time and was "
        "stopped; under grading, shrink epochs, runs and sweeps with helpers.budget, "
        "e.g. EPOCHS = budget(20, grading=2)",
        help="What a cell over cpu_limit says; {limit} is replaced by the limit.",
    ).tag(config=True)
    judge = Bool(
        True, help="Judge autograded test cells in the grader (judge.py). False runs them in the "
        "student's kernel, as plain nbgrader does, where the student's code can change the verdict: "
        "for comparisons only.",
    ).tag(config=True)
    cpu_limit_grace = Integer(
        15, help="Processor seconds a cell gets after the interrupt before its kernel is killed."
    ).tag(config=True)

    @default("shutdown_kernel")
    def _kill_the_kernel_when_done(self):
        # once the notebook is graded the student's kernel has nothing left to do: killed
        # at once rather than asked to shut down (which waits for its TensorFlow to unload)
        return "immediate"

    _running = None
    _printed = 0
    _sandbox = None  # the kernel manager; nbclient forgets it when it cleans up
    _over_cpu_limit = False
    _judge = None

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes its own kernel manager class as an argument, which beats
        # the config: the sandbox is set here (its settings are SandboxedKernelManager's).
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._running = None
        threads = self.config.SandboxedKernelManager.get("threads", SandboxedKernelManager.threads.default_value)
        self._judge = Judge(self._run_probe, threads=threads, log=self.log, memory_mb=self.judge_memory_mb)
        try:
            return super().preprocess(nb, resources, km=km)
        except DeadKernelError:
            self.log.error("Kernel died in cell %s; failing it and every test after it", self._running)
            why, ename = "the kernel died while running this cell", DEAD_KERNEL_ERROR
            if self._over_cpu_limit:
                why = self._cpu_limit_text() + " (it ignored the interrupt)"
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
        """Answer and other cells run in the student's kernel; autograded test cells are judged
        in the grader (autograder/judge.py); locked cells, the master's own, run in both."""
        self._running, self._printed = index, 0
        if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell) or not self.judge:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if cell.cell_type == "code" and is_locked(cell) and not is_grade(cell):
                self._judge.run_trusted(cell.source)
            return cell, resources
        verdict = self._judge.judge_cell(cell.source, float(cell.metadata["nbgrader"]["points"]))
        for check in verdict.checks:
            hint = None if check.passed or "Hint: " in check.message else self._hint(check.message, index)
            if hint:
                check.message += f"\nHint: {hint}"
        cell.outputs, cell.execution_count = verdict.outputs(), None
        if verdict.marker == DEAD_KERNEL_ERROR:
            raise DeadKernelError("Kernel died")
        return cell, resources

    def _run_probe(self, code: str) -> list:
        """Run the judge's code in the student's kernel, under the cell limits; its outputs."""
        cell = NotebookNode(cell_type="code", source=code, metadata={}, outputs=[], execution_count=None)
        test_cell = self.nb.cells[self._running]  # nbclient puts the cell it ran in the notebook
        try:
            self.execute_cell(cell, self._running, store_history=False)
        except DeadKernelError:
            return [_error(DEAD_KERNEL_ERROR, "the kernel died while running your code")]
        finally:
            self.nb.cells[self._running] = test_cell
        return cell.outputs

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code":
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        self._over_cpu_limit = False
        used = getattr(self.km, "cpu_seconds", lambda: 0.0)
        start = used()
        watchdog = asyncio.ensure_future(self._stop_over_cpu_limit(used, start))
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            watchdog.cancel()
        spent = used() - start
        if spent > self.cpu_limit / 10:  # the instructor sees who comes near the limit
            name = cell_name(cell, cell_index)
            self.log.info("Cell %s used %.0f s of processor time (limit %d s)", name, spent, self.cpu_limit)
        # A stopped cell says why, instead of showing the KeyboardInterrupt that stopped it.
        timeouts = [output for output in cell.outputs if output.get("ename") == TIMEOUT_ERROR]
        if self._over_cpu_limit:
            timeouts = [_error(TIMEOUT_ERROR, self._cpu_limit_text())]
        if timeouts:
            cell.outputs = [output for output in cell.outputs if output.output_type != "error"]
            cell.outputs.append(timeouts[0])
        self._add_hints(cell, cell_index)
        return cell

    execute_cell = run_sync(async_execute_cell)  # nbclient binds its own coroutine otherwise

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

    def _cpu_limit_text(self) -> str:
        return self.cpu_limit_message.format(limit=self.cpu_limit)

    async def _stop_over_cpu_limit(self, used, start: float) -> None:
        """Interrupt the running cell once it has used ``cpu_limit`` processor seconds; kill
        the kernel if the cell goes on for ``cpu_limit_grace`` more."""
        while used() - start < self.cpu_limit:
            await asyncio.sleep(0.5)
        self._over_cpu_limit = True
        self.log.warning("Cell %s used %d s of processor time: interrupting it", self._running, self.cpu_limit)
        await ensure_async(self.km.interrupt_kernel())
        while used() - start < self.cpu_limit + self.cpu_limit_grace:
            await asyncio.sleep(0.5)
        self.log.warning("Cell %s ignored the interrupt: killing its kernel", self._running)
        await ensure_async(self.km.signal_kernel(signal.SIGKILL))

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            text = msg["content"].get("text", "")
            room = self.max_output_chars - self._printed
            self._printed += len(text)
            if room <= 0:
                return None
            if len(text) > room:
                msg["content"]["text"] = text[:room] + (
                    f"\n... output cut at {self.max_output_chars:,} characters by the grader ...\n")
        return super().output(outs, msg, display_id, cell_index)

    @staticmethod
    def _fail_from(nb, start: int, why: str, ename: str) -> None:
        for index, cell in enumerate(nb.cells[start:], start):
            if cell.cell_type != "code":
                continue
            if index == start:
                cell.outputs.append(_error(ename, why))
            elif is_grade(cell):
                cell.outputs = [_error(NOT_RUN_ERROR, "not run: the kernel died in an earlier cell")]


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback shows what a hidden test said, never what it is.

    In every autograded test cell, the region between ``### BEGIN HIDDEN TESTS`` and
    ``### END HIDDEN TESTS`` is replaced by one comment line, and traceback entries that
    show the test cell's own lines are dropped: the error's name and message (the
    "expected ..., got ..." text of ``helpers.checks``) stay, and so do frames from the
    student's own cells. Visible tests are shown as they are. To reveal hidden tests
    (say, after the deadline): ``nbgrader generate_feedback <a> --HideHiddenTests.enabled=False``.
    """

    placeholder = Unicode("# (hidden tests: not shown; what they found is printed below)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell) or BEGIN_HIDDEN not in cell.source:
            return cell, resources
        cell.source = "\n".join(line[:len(line) - len(line.lstrip())] + self.placeholder
                                if kind == "begin" else line
                                for _, line, kind in hidden_test_lines(cell.source)
                                if kind in ("begin", "visible"))
        own_frame = f"Cell In[{cell.execution_count}]" if cell.execution_count else None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                kept = [entry for entry in output.get("traceback", [])
                        if own_frame is None or own_frame not in _ANSI.sub("", entry)]
                message = f"{output.ename}: {output.evalue}"
                if not any(message in _ANSI.sub("", entry) for entry in kept):
                    kept.append(message)
                output.traceback = kept
        return cell, resources


_ANSI = re.compile(r"\x1b\[[0-9;]*m")



class HideGraderOutputs(NbGraderPreprocessor):
    """Feedback shows what the judge found as text: its own records stay out of the page.

    The judge writes a partial score as the test cell's result (``execute_result``), which
    is how nbgrader reads it; on the student's page it would look like an ``Out[ ]: 0.5``
    of their own code, under checks that already say "N of M checks passed: S of P points".
    It also writes its checks as data (``CHECKS_MIME``) for the class report. Feedback drops
    both from autograded test cells; the score stays in nbgrader's header.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            cell.outputs = [output for output in cell.get("outputs", [])
                            if output.get("output_type") != "execute_result"
                            and CHECKS_MIME not in output.get("data", {})]
        return cell, resources
