"""Per-cell limits of GuardedExecute: processor time, not wall-clock time, with a backstop.

A cell over its processor-time limit fails with a message that names the limit and
``budget``, and the notebook goes on; a cell that ignores the interrupt has its kernel
killed, and only it and the tests after it fail; a cell that only waits meets the
wall-clock backstop. The kernel's thread count is fixed by the kernel manager.
"""

import subprocess
import sys

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

from autograder.nbgrader_ext.execute import GuardedExecute
from autograder.nbgrader_ext.sandbox import KernelCgroups, host_problem
from autograder.markers import NOT_RUN_ERROR, TIMEOUT_ERROR

WALL_MESSAGE = "waited too long"


def run(sources, tmp_path, grade=(), threads=2, **limits):
    """Execute cells ("md:..." is a markdown cell; indices in ``grade`` are autograded tests)
    under ``limits``, in the sandbox where the host has one; returns the executed cells."""
    cells = [new_markdown_cell(source[3:]) if source.startswith("md:") else new_code_cell(source)
             for source in sources]
    for index in grade:
        cells[index].metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                             "grade_id": f"test_{index}", "points": 1}
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    kernels = Config(SandboxedKernelManager={"confine": host_problem() is None, "threads": threads})
    executor = GuardedExecute(
        config=kernels, error_on_timeout={"ename": TIMEOUT_ERROR, "evalue": WALL_MESSAGE, "traceback": []},
        **limits)
    notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    return notebook.cells


def errors(cell):
    return [(output.ename, output.evalue) for output in cell.outputs if output.output_type == "error"]


def printed(cell):
    return "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")


def test_a_busy_cell_stops_at_its_processor_time_and_the_notebook_goes_on(tmp_path):
    cells = run(["x = 41", "while True:\n    pass", "md:A *markdown* cell", "print(x + 1)"], tmp_path,
                cpu_limit=3, timeout=120)
    [(ename, message)] = errors(cells[1])
    assert ename == TIMEOUT_ERROR
    assert "limit of 3 s of processor time" in message and "budget(" in message
    assert printed(cells[3]) == "42\n"


def test_a_cell_that_ignores_the_interrupt_is_killed_and_fails_only_what_follows(tmp_path):
    cells = run(["x = 1", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                 "assert x == 1", "print('not a test')"], tmp_path, grade=[2],
                cpu_limit=2, cpu_limit_grace=2, timeout=120)
    [(ename, message)] = errors(cells[1])
    assert ename == TIMEOUT_ERROR and "ignored the interrupt" in message
    assert [ename for ename, _ in errors(cells[2])] == [NOT_RUN_ERROR]
    assert cells[3].outputs == []


def test_a_waiting_cell_meets_the_wall_clock_backstop(tmp_path):
    cells = run(["import time\ntime.sleep(600)", "print('next')"], tmp_path, cpu_limit=60, timeout=3)
    assert errors(cells[0]) == [(TIMEOUT_ERROR, WALL_MESSAGE)]
    assert printed(cells[1]) == "next\n"


@pytest.mark.parametrize("threads", [1, 3])
def test_the_kernel_runs_the_configured_number_of_threads(tmp_path, threads):
    check = ("import os\n"
             "print(os.environ['TF_NUM_INTRAOP_THREADS'], os.environ['TF_NUM_INTEROP_THREADS'], "
             "os.environ['OMP_NUM_THREADS'])")
    cells = run([check], tmp_path, threads=threads, cpu_limit=60, timeout=60)
    assert printed(cells[0]) == f"{threads} {threads} {threads}\n"


def test_processor_time_of_the_processes_a_cell_starts_counts_toward_its_limit(tmp_path):
    busy_children = ("import subprocess, sys\n"
                     "children = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(2)]\n"
                     "for child in children:\n    child.wait()")
    cells = run(["x = 41", busy_children, "print(x + 1)"], tmp_path, cpu_limit=3, timeout=120)
    [(ename, message)] = errors(cells[1])
    assert ename == TIMEOUT_ERROR and "limit of 3 s of processor time" in message
    assert printed(cells[2]) == "42\n"


def test_a_kernels_processor_time_is_one_read_of_its_cgroup_where_it_has_one():
    groups = KernelCgroups(2**30, 64)
    try:
        if not groups.dirs:
            pytest.skip("this user cannot create cgroups: the kernel's processes are walked instead")
        busy = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
        subprocess.run(groups.wrap([sys.executable, "-c", busy]), check=True)
        assert 0.45 <= groups.cpu_seconds() < 5  # the process is gone: its time still counts
    finally:
        groups.remove()
