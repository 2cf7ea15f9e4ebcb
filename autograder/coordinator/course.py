"""Course folders: copies for grading and tests, their gradebooks, and writing submissions."""

import os
import shutil
from pathlib import Path

import nbformat

from autograder.notebook.assignment import REPO
from autograder.settings import DB_URL_ENV


def copy_course(dest: Path, assignment_names: list[str], repo: Path = REPO) -> Path:
    """A fresh course folder at ``dest`` with the config, masters and releases, an empty
    exchange (nbgrader_config.py's default), no gradebook."""
    (dest / "exchange").mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "nbgrader_config.py", dest)
    for name in assignment_names:
        for tree in ("source", "release"):
            if (repo / tree / name).is_dir():
                shutil.copytree(repo / tree / name, dest / tree / name, dirs_exist_ok=True)
    return dest


def db_url(course: Path) -> str:
    """The SQLite gradebook of a course folder."""
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
