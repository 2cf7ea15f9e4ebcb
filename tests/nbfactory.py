"""Build small nbgrader notebooks and course folders for the pipeline tests."""

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent


def answer_cell(source: str, grade_id: str):
    """An answer cell students fill in."""
    return new_code_cell(source, metadata=_nbgrader(grade_id, solution=True))


def graded_cell(source: str, grade_id: str, points: float):
    """A locked, autograded test cell."""
    return new_code_cell(source, metadata=_nbgrader(grade_id, grade=True, locked=True, points=points))


def write_notebook(path: Path, cells) -> None:
    """Write ``cells`` as a Python 3 notebook at ``path``."""
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def new_course(root: Path) -> Path:
    """A course folder at ``root`` with the project's nbgrader_config.py."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    return root



def _nbgrader(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}
