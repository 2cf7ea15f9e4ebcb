"""Synthetic submissions made from an assignment's master and release notebooks.

A submission is the student's release notebook with some answer cells filled in. The
demo class, the tests and the benchmarks build theirs here, so they never drift from
the notebooks they grade.
"""

from pathlib import Path

import nbformat

from autograder.markers import SOLUTION_MARKER



def nbgrader_id(cell) -> str | None:
    """The nbgrader grade id of a cell, or None for a plain cell."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_answer(cell) -> bool:
    """True for a cell the student writes (code or written answer)."""
    return cell.metadata.get("nbgrader", {}).get("solution", False)


def master_answers(master) -> dict[str, str]:
    """The master's answer of every answer cell, by grade id, with the solution markers removed."""
    return {nbgrader_id(cell): "\n".join(line for line in cell.source.splitlines()
                                         if not SOLUTION_MARKER.match(line))
            for cell in master.cells if is_answer(cell)}


def fill_answers(release, answers: dict[str, str]):
    """A copy of ``release`` with the given answer cells' sources replaced.

    answers: grade id -> source. Unknown ids raise KeyError, so a renamed cell cannot
    silently leave a mutant unchanged.
    """
    notebook = nbformat.from_dict(release)
    cells = {nbgrader_id(cell): cell for cell in notebook.cells if is_answer(cell)}
    for grade_id, source in answers.items():
        if grade_id not in cells:
            raise KeyError(f"no answer cell {grade_id!r} in the notebook")
        cells[grade_id].source = source
    return notebook


def solved(master, release, overrides: dict[str, str | None] | None = None):
    """The release with the master's answers, except ``overrides``.

    overrides: grade id -> replacement source, or None to leave that answer as the stub.
    """
    answers = master_answers(master)
    for grade_id, source in (overrides or {}).items():
        if grade_id not in answers:
            raise KeyError(f"no answer cell {grade_id!r} in the master")
        if source is None:
            del answers[grade_id]
        else:
            answers[grade_id] = source
    return fill_answers(release, answers)


def read(path: Path):
    """Read a notebook file (nbformat 4)."""
    return nbformat.read(path, as_version=4)


def solved_assignment(assignment, overrides: dict[str, str | None] | None = None) -> dict:
    """File name -> the master's answers in the release, with ``overrides`` where their ids live.

    assignment: an ``Assignment`` (with releases). overrides: answer grade id -> replacement
    source, or None to leave the stub.
    """
    overrides = dict(overrides or {})
    notebooks = {}
    for name, master in assignment.masters.items():
        ids = {nbgrader_id(cell) for cell in master.cells}
        mine = {key: overrides.pop(key) for key in list(overrides) if key in ids}
        notebooks[name] = solved(master, assignment.releases[name], mine)
    if overrides:
        raise KeyError(f"no answer cells {sorted(overrides)} in {assignment.name}")
    return notebooks
