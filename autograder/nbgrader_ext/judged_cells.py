"""Autograded test cells judged in the grader, not in the student's kernel: a mixin of
nbclient's executor (``GuardedExecute`` in execute.py).

Answer cells and the rest run in the student's kernel as nbclient runs them; each autograded
test cell goes to a ``Judge`` (autograder/judge/), which runs the master's test code in the
grader and calls the student's functions through ``run_in_kernel``: one cell of the judge's
code run in the student's kernel, under the same cell limits, without becoming a cell of
the notebook. Locked cells (the master's own set-up) run in both.
"""

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Bool, Integer, Unicode
from traitlets.config import LoggingConfigurable

from autograder.judge.replay import ReplayCache, ReplayingJudge, code_salt, digest
from autograder.judge.session import Judge
from autograder.judge.verdicts import Verdict
from autograder.markers import DEAD_KERNEL_ERROR, REPLAY_COUNT_LOG
from autograder.nbgrader_ext.cell_limits import error_output
from autograder.nbgrader_ext.sandbox import SandboxedKernelManager
from autograder.settings import JUDGE_MEMORY_MB


class JudgedCells(LoggingConfigurable):
    """Hands autograded test cells to the judge; ``verdict_ready`` sees each verdict before
    its outputs are written (``GuardedExecute`` adds hints to the failed checks there)."""

    judge = Bool(
        True, help="Judge autograded test cells in the grader (autograder/judge/). False runs them in the "
        "student's kernel, as plain nbgrader does, where the student's code can change the verdict: "
        "for comparisons only.",
    ).tag(config=True)
    judge_memory_mb = Integer(
        JUDGE_MEMORY_MB, help="Private memory (RLIMIT_DATA) of the grader's process while it judges a test "
        "cell: a student's model whose weights need more fails its checks instead of filling the machine."
    ).tag(config=True)
    replay_cache = Unicode(
        "", help="A folder of recorded verdicts shared by the graders of a class run: a test cell whose student's "
        "code answers every request of the judge as recorded gets the recorded verdict without the judge's own "
        "work (autograder/judge/replay.py). Empty: every verdict is computed."
    ).tag(config=True)

    _judge = None
    _judged_index = None  # the test cell being judged

    def preprocess(self, nb, resources=None, km=None):
        threads = self.config.SandboxedKernelManager.get("threads", SandboxedKernelManager.threads.default_value)

        def make_judge(run_in_kernel):
            return Judge(run_in_kernel, threads=threads, log=self.log, memory_mb=self.judge_memory_mb)

        cache = ReplayCache(self.replay_cache) if self.replay_cache else None
        if cache is None:
            self._judge = make_judge(self.run_in_kernel)
        else:
            salt = digest(code_salt(), str(threads), str(self.judge_memory_mb))
            self._judge = ReplayingJudge(make_judge, self.run_in_kernel, cache, salt, log=self.log)
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            if cache is not None:
                cache.release_all()  # a notebook stopped mid-cell (dead kernel, time limit)
                self.log.info(REPLAY_COUNT_LOG, cache.hits, cache.misses)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell) or not self.judge:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if cell.cell_type == "code" and is_locked(cell) and not is_grade(cell):
                self._judge.run_trusted(cell.source)
            return cell, resources
        self._judged_index = index
        verdict = self._judge.judge_cell(cell.source, float(cell.metadata["nbgrader"]["points"]))
        self.verdict_ready(verdict, index)
        cell.outputs, cell.execution_count = verdict.outputs(), None
        if verdict.marker == DEAD_KERNEL_ERROR:
            raise DeadKernelError("Kernel died")
        return cell, resources

    def verdict_ready(self, verdict: Verdict, index: int) -> None:
        """Called with each verdict of the test cell at ``index`` before its outputs are written."""

    def run_in_kernel(self, code: str) -> list:
        """Run the judge's code in the student's kernel, under the cell limits; its outputs."""
        cell = NotebookNode(cell_type="code", source=code, metadata={}, outputs=[], execution_count=None)
        test_cell = self.nb.cells[self._judged_index]  # nbclient puts the cell it ran in the notebook
        try:
            self.execute_cell(cell, self._judged_index, store_history=False)
        except DeadKernelError:
            return [error_output(DEAD_KERNEL_ERROR, "the kernel died while running your code")]
        finally:
            self.nb.cells[self._judged_index] = test_cell
        return cell.outputs
