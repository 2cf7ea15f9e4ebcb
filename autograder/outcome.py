"""What happened to one student's submission, in a status and a reason a person can act on."""

from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.isolation import Run
from autograder.submissions import nbgrader_id

GRADED = "graded"


@dataclass
class Outcome:
    """status: graded, missing notebook, invalid notebook, timeout, kernel died, memory cap,
    tampering, test cells missing, grader time limit or grader error; reason: where and
    why, for a person."""

    status: str
    reason: str = ""


def check_submission(folder: Path, expected: list[str]) -> Outcome | None:
    """Problems that leave nothing to grade: no expected notebook, or an unreadable one.

    A submission that has only some of several notebooks is graded; ``classify`` reports
    the missing ones.
    """
    present = sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []
    if not set(expected) & set(present):
        found = ", ".join(present) or "nothing"
        return Outcome("missing notebook", f"no {', '.join(expected)} (found: {found})")
    for name in set(expected) & set(present):
        try:
            nbformat.read(folder / name, as_version=4)
        except Exception as error:  # nbformat raises several kinds for bad files
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return Outcome("invalid notebook", f"{name} cannot be read: {first_line[:200]}")
    return None


def extra_files(folder: Path, expected: list[str]) -> list[str]:
    """Files submitted besides the expected notebooks (ignored by grading)."""
    return sorted(path.name for path in folder.iterdir() if path.name not in expected
                  and path.name != "timestamp.txt") if folder.is_dir() else []


def classify(run: Run, submitted: Path, autograded: Path, tests: dict[str, list[str]]) -> Outcome:
    """The outcome of a finished grading run, read from the autograded notebooks.

    tests: notebook file name -> the grade ids of its autograded test cells.
    """
    if run.killed_for == "time limit":
        return Outcome("grader time limit", f"grading stopped after {run.seconds:.0f} s")
    problems = []
    for name, test_ids in tests.items():
        path = autograded / name
        if not (submitted / name).is_file():
            problems.append(("missing notebook", f"no {name}: its tests score zero"))
            continue
        if not path.is_file():
            last = next((line for line in reversed(run.log.splitlines()) if "ERROR" in line), "")
            return Outcome("grader error", f"{name} was not graded: {last[-200:]}")
        notebook = nbformat.read(path, as_version=4)
        problems += [(status, f"{name}: {where}") for status, where in _cell_problems(notebook)]
        missing = sorted(set(test_ids) - {nbgrader_id(cell) for cell in notebook.cells})
        if missing:
            problems.append(("test cells missing", f"{name}: test cells {', '.join(missing)} were "
                             "deleted or lost their nbgrader metadata; they score zero"))
    if not problems:
        return Outcome(GRADED)
    status = problems[0][0]
    if status == "kernel died" and run.killed_for == "memory cap":
        status = "memory cap"
    return Outcome(status, "; ".join(where for _, where in problems))


def _cell_problems(notebook):
    heading = ""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            heading = next((line.lstrip("# ").strip() for line in cell.source.splitlines()
                            if line.startswith("#")), heading)
            continue
        if cell.cell_type != "code":
            continue
        where = f"cell {nbgrader_id(cell) or index + 1}" + (f" ({heading})" if heading else "")
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.ename == "CellTimeoutError":
                yield "timeout", f"{where} timed out"
            elif output.ename == "DeadKernelError":
                yield "kernel died", f"the kernel died in {where}"
            elif str(output.evalue).startswith("Not graded:"):  # RejectTampering's failing cells
                yield "tampering", f"{where}: {output.evalue}"
                return
