"""Limits of one cell while a notebook is graded, as mixins of nbclient's executor
(``GuardedExecute`` in execute.py puts them together).

* ``CpuLimit``: a cell may use ``cpu_limit`` seconds of processor time (its kernel and every
  process it starts, all threads counted). Processor time, unlike wall-clock time, is the
  same on an idle and on a busy machine, so the limit does not depend on what else runs. A
  cell over it is interrupted (killed if it ignores the interrupt) and fails with a message
  naming the limit and ``budget``; the notebook goes on with the next cell. nbclient's
  wall-clock ``timeout`` stays as a backstop for cells that wait without computing.
* ``OutputCap``: each cell's printed text is cut at ``max_output_chars`` while it streams, so
  a runaway print cannot fill the grader's memory or the stored notebook.
"""

import asyncio
import signal

from jupyter_core.utils import ensure_async
from nbformat.notebooknode import NotebookNode
from traitlets import Integer, Unicode
from traitlets.config import LoggingConfigurable

from autograder.markers import TIMEOUT_ERROR
from autograder.notebook.source import cell_name
from autograder.settings import CELL_CPU_LIMIT_S, CELL_OUTPUT_CHARS


def error_output(ename: str, message: str) -> NotebookNode:
    """An error output, as a failing cell has."""
    return NotebookNode(output_type="error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class CpuLimit(LoggingConfigurable):
    """Stops a cell at ``cpu_limit`` processor seconds (``self.km.cpu_seconds()``, the sandbox's)."""

    cpu_limit = Integer(
        CELL_CPU_LIMIT_S, help="Processor seconds one cell may use, all threads and processes together."
    ).tag(config=True)
    cpu_limit_message = Unicode(
        "this cell used more than the grader's limit of {limit} s of processor time and was "
        "stopped; under grading, shrink epochs, runs and sweeps with helpers.budget, "
        "e.g. EPOCHS = budget(20, grading=2)",
        help="What a cell over cpu_limit says; {limit} is replaced by the limit.",
    ).tag(config=True)
    cpu_limit_grace = Integer(
        15, help="Processor seconds a cell gets after the interrupt before its kernel is killed."
    ).tag(config=True)

    over_cpu_limit = False  # the running cell went over the limit (its kernel may have died of it)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code":
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        self.over_cpu_limit = False
        used = getattr(self.km, "cpu_seconds", lambda: 0.0)
        start = used()
        watchdog = asyncio.ensure_future(self._stop_over_cpu_limit(used, start, cell_index))
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            watchdog.cancel()
        spent = used() - start
        if spent > self.cpu_limit / 10:  # the instructor sees who comes near the limit
            self.log.info("Cell %s used %.0f s of processor time (limit %d s)", cell_name(cell, cell_index),
                          spent, self.cpu_limit)
        # A stopped cell says why, instead of showing the KeyboardInterrupt that stopped it.
        timeouts = [output for output in cell.outputs if output.get("ename") == TIMEOUT_ERROR]
        if self.over_cpu_limit:
            timeouts = [error_output(TIMEOUT_ERROR, self.cpu_limit_text())]
        if timeouts:
            cell.outputs = [output for output in cell.outputs if output.output_type != "error"]
            cell.outputs.append(timeouts[0])
        return cell

    def cpu_limit_text(self) -> str:
        return self.cpu_limit_message.format(limit=self.cpu_limit)

    async def _stop_over_cpu_limit(self, used, start: float, index: int) -> None:
        """Interrupt the running cell once it has used ``cpu_limit`` processor seconds; kill
        the kernel if the cell goes on for ``cpu_limit_grace`` more."""
        while used() - start < self.cpu_limit:
            await asyncio.sleep(0.5)
        self.over_cpu_limit = True
        self.log.warning("Cell %s used %d s of processor time: interrupting it", index, self.cpu_limit)
        await ensure_async(self.km.interrupt_kernel())
        while used() - start < self.cpu_limit + self.cpu_limit_grace:
            await asyncio.sleep(0.5)
        self.log.warning("Cell %s ignored the interrupt: killing its kernel", index)
        await ensure_async(self.km.signal_kernel(signal.SIGKILL))


class OutputCap(LoggingConfigurable):
    """Keeps at most ``max_output_chars`` of a cell's stream output."""

    max_output_chars = Integer(
        CELL_OUTPUT_CHARS, help="Characters of stream output kept per cell; the rest is dropped."
    ).tag(config=True)

    _printed = 0  # characters the running cell has printed

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._printed = 0
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

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
