"""Isolated copies of the course folder, submissions into them, and autograding."""

import os
import shutil
from pathlib import Path

import nbformat

from autograder.gradebook import cell_scores
from autograder.nbgrader_cli import DB_URL_ENV, run_nbgrader
from autograder.parts import autograded_parts, points_per_test
from autograder.submissions import nbgrader_id, read, solved

REPO = Path(__file__).resolve().parent.parent


def assignments(repo: Path = REPO) -> list[str]:
    """Names of the assignments with a master in ``source/``."""
    return sorted(path.name for path in (repo / "source").iterdir() if path.is_dir())


def notebook_names(assignment: str, repo: Path = REPO) -> list[str]:
    """File names of an assignment's master notebooks."""
    return sorted(path.name for path in (repo / "source" / assignment).glob("*.ipynb"))


def masters(assignment: str, repo: Path = REPO) -> dict:
    """File name -> master notebook, for every notebook of the assignment."""
    return {name: read(repo / "source" / assignment / name) for name in notebook_names(assignment, repo)}


def releases(assignment: str, repo: Path = REPO) -> dict:
    """File name -> committed student release, for every notebook of the assignment."""
    return {name: read(repo / "release" / assignment / name) for name in notebook_names(assignment, repo)}


def solved_assignment(assignment: str, overrides: dict[str, str | None] | None = None,
                      repo: Path = REPO) -> dict:
    """File name -> the master's answers in the release, with ``overrides`` where their ids live.

    overrides: answer grade id -> replacement source, or None to leave the stub.
    """
    overrides = dict(overrides or {})
    notebooks = {}
    for name, master in masters(assignment, repo).items():
        ids = {nbgrader_id(cell) for cell in master.cells}
        mine = {key: overrides.pop(key) for key in list(overrides) if key in ids}
        notebooks[name] = solved(master, releases(assignment, repo)[name], mine)
    if overrides:
        raise KeyError(f"no answer cells {sorted(overrides)} in {assignment}")
    return notebooks


def parts(assignment: str, repo: Path = REPO) -> dict[str, list[str]]:
    """Answer id -> its test ids, over all notebooks of the assignment."""
    found = {}
    for master in masters(assignment, repo).values():
        found.update(autograded_parts(master))
    return found


def points(assignment: str, repo: Path = REPO) -> dict[str, float]:
    """Test id -> points, over all notebooks of the assignment."""
    found = {}
    for master in masters(assignment, repo).values():
        found.update(points_per_test(master))
    return found


def copy_course(dest: Path, assignment_names: list[str], repo: Path = REPO) -> Path:
    """A fresh course folder at ``dest`` with the config, masters and releases, no gradebook."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "nbgrader_config.py", dest)
    for name in assignment_names:
        for tree in ("source", "release"):
            if (repo / tree / name).is_dir():
                shutil.copytree(repo / tree / name, dest / tree / name, dirs_exist_ok=True)
    return dest


def db_url(course: Path) -> str:
    """The SQLite gradebook of a course copy (made by ``copy_course``)."""
    return f"sqlite:///{course / 'gradebook.db'}"


def course_db_url(course: Path) -> str:
    """The gradebook of the real course: NBGRADER_DB_URL if set, else its SQLite file."""
    return os.environ.get(DB_URL_ENV, db_url(course))


def submit(course: Path, student: str, assignment: str, notebooks: dict) -> Path:
    """Write one student's notebooks (file name -> notebook) as their submission."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, notebook in notebooks.items():
        nbformat.write(notebook, folder / file_name)
    return folder


def generate(course: Path, assignment: str) -> None:
    """Register the assignment in the gradebook (and regenerate its release in the copy)."""
    run_nbgrader(course, "generate_assignment", assignment, "--force")


def autograde(course: Path, assignment: str, student: str | None = None) -> None:
    """Autograde the submissions of ``assignment``: every student's, or one student's."""
    args = ["autograde", assignment, "--force"]
    if student:
        args.append(f"--student={student}")
    run_nbgrader(course, *args)


def scores(course: Path, assignment: str, student: str) -> dict[str, float]:
    """Score of every graded cell of one student's submission in a course copy."""
    return cell_scores(db_url(course), assignment, student)
