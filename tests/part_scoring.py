"""One part of a master scored against an answer, exactly as the judge scores it, in seconds.

The pipeline tests grade whole submissions through the class command; calibrating the
weights of a test cell needs the same verdicts for many answers of one part, faster. Here
the master's own notebook is kept to its locked cells, every answer cell (the master's
answers, the part's replaced), and the test cells of that one part, hidden tests
included, and run through ``GuardedExecute`` (the sandboxed kernel and the judge) with
``NBGRADER_EXECUTION`` set, as ``nbgrader autograde`` runs it.

    python -m tests.part_scoring mnist build_regularized answer.py   # prints each test's checks
"""

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbgrader.utils import determine_grade
from traitlets.config import Config

from autograder.notebook.parts import autograded_parts, is_test
from autograder.nbgrader_ext.execute import GuardedExecute
from autograder.nbgrader_ext.sandbox import host_problem
from autograder.notebook.submissions import is_answer, master_answers, nbgrader_id
from tests.course_fixtures import facts


def part_notebook(assignment: str, answer_id: str, source: str | None):
    """The master's notebook holding ``answer_id``, kept to what that part's tests need, with
    ``source`` as its answer (None: the master's own)."""
    for master in facts(assignment).masters.values():
        parts = autograded_parts(master)
        if answer_id in parts:
            break
    else:
        raise KeyError(f"no autograded part {answer_id!r} in {assignment}")
    notebook = nbformat.from_dict(master)
    answers = master_answers(master)
    cells = []
    for cell in notebook.cells:
        grade_id = nbgrader_id(cell)
        if cell.cell_type != "code":
            continue
        if is_answer(cell):
            cell.source = source if grade_id == answer_id and source is not None else answers[grade_id]
        elif is_test(cell) and grade_id not in parts[answer_id]:
            continue
        elif not cell.metadata.get("nbgrader"):
            continue  # experiments no test reads
        cells.append(cell)
    notebook.cells = cells
    return notebook, parts[answer_id]


def score_part(assignment: str, answer_id: str, source: str | None = None) -> dict[str, tuple[float, str]]:
    """Test id -> (score, the checks the judge printed) for ``source`` as the answer ``answer_id``."""
    notebook, tests = part_notebook(assignment, answer_id, source)
    executor = GuardedExecute(config=Config(SandboxedKernelManager={"confine": host_problem() is None}),
                              cpu_limit=120, timeout=300)
    previous = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        with tempfile.TemporaryDirectory() as folder:
            notebook, _ = executor.preprocess(notebook, {"metadata": {"path": folder}})
    finally:
        if previous is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = previous
    scored = {}
    for cell in notebook.cells:
        if nbgrader_id(cell) in tests:
            printed = "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")
            scored[nbgrader_id(cell)] = (determine_grade(cell)[0], printed)
    return scored


def main(argv: list[str]) -> None:
    assignment, answer_id, *path = argv
    source = Path(path[0]).read_text() if path else None
    for test, (score, printed) in score_part(assignment, answer_id, source).items():
        print(f"== {test}: {score:g}\n{printed}")


if __name__ == "__main__":
    main(sys.argv[1:])
