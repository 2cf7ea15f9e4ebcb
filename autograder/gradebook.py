"""The course gradebook and the workers' gradebooks: every read and write of nbgrader's
database by the kit.

Autograde results travel as data: a worker's private gradebook is read into ``AutoGrades``
(plain data, which can travel between processes or machines); only the coordinating process
writes the course gradebook, one student at a time, so it has a single writer however many
workers grade in parallel. What is written is exactly what nbgrader's SaveAutoGrades writes:
the submission (with its timestamp), each cell's auto score and whether it needs manual
grading, and the auto comments; and what nbgrader's AssignLatePenalties (the course's
CourseLatePenalties) writes: each notebook's late penalty and the student's extension.
Manual scores already in the course gradebook are kept. ``cell_scores`` reads a student's
scores back for the report and the progress lines; ``export_grades`` writes the grades file
that ``nbgrader export`` writes.
"""

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import ExportApp
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader


@dataclass
class AutoGrades:
    """timestamp: of the submission; scores: (notebook, cell) -> auto score or None;
    comments: (notebook, cell) -> auto comment or None; penalties: notebook -> late
    submission penalty or None (late_policy.py); extension: the student's, or None."""

    timestamp: datetime | None
    scores: dict[tuple[str, str], float | None]
    comments: dict[tuple[str, str], str | None]
    penalties: dict[str, float | None] = field(default_factory=dict)
    extension: timedelta | None = None


def read_grades(worker_db: str, assignment: str, student: str) -> AutoGrades | None:
    """The student's autograde results in ``worker_db``; None if it recorded no submission."""
    with Gradebook(worker_db) as worker:
        try:
            submission = worker.find_submission(assignment, student)
        except MissingEntry:
            return None
        return AutoGrades(
            submission.timestamp,
            {(nb.name, g.name): g.auto_score for nb in submission.notebooks for g in nb.grades},
            {(nb.name, c.name): c.auto_comment for nb in submission.notebooks for c in nb.comments},
            {nb.name: nb.late_submission_penalty for nb in submission.notebooks},
            submission.extension)


def merge_grades(course_db: str, assignment: str, student: str, grades: AutoGrades) -> int:
    """Write one student's autograde results into the course gradebook; returns how many
    manual scores it holds for the submission (kept, as nbgrader keeps them)."""
    manual = 0
    with _writing(course_db) as course:
        course.update_or_create_student(student)
        submission = course.update_or_create_submission(assignment, student, timestamp=grades.timestamp)
        # the worker's gradebook had the course's due date: its extension and penalties stand
        submission.extension = grades.extension if submission.assignment.duedate is not None else None
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = grades.penalties.get(notebook.name)
        for (notebook, cell), auto_score in grades.scores.items():
            grade = course.find_grade(cell, notebook, assignment, student)
            grade.auto_score = auto_score
            grade.needs_manual_grade = grade.manual_score is not None or auto_score is None
            manual += grade.manual_score is not None
        for (notebook, cell), auto_comment in grades.comments.items():
            course.find_comment(cell, notebook, assignment, student).auto_comment = auto_comment
        course.db.commit()
    return manual


def record_failure(course_db: str, assignment: str, student: str) -> None:
    """Give a student whose submission could not be graded a submission with zero auto scores."""
    with _writing(course_db) as course:
        course.update_or_create_student(student)
        submission = course.update_or_create_submission(assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell.cell_type == "code":
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = grade.manual_score is not None
        course.db.commit()


@contextmanager
def _writing(db_url: str):
    """The course gradebook, without nbgrader's harmless autoflush warnings on new submissions."""
    with Gradebook(db_url) as gradebook, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield gradebook


def cell_scores(db_url: str, assignment: str, student: str) -> dict[str, float]:
    """Score of every graded cell of one student's submission, by grade id.

    Autograded cells count their auto score; manually graded answers count their manual
    score, or 0 while ungraded. Missing submission: empty dict.
    """
    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return {}
        return {grade.name: float(grade.score) for notebook in submission.notebooks
                for grade in notebook.grades}


def export_grades(course: Path, db_url: str, destination: Path) -> bool:
    """Write what ``nbgrader export --to=<destination>`` run in ``course`` writes, in this
    process (no new Python, no second nbgrader start): nbgrader's CSV exporter, configured by
    the course's nbgrader_config.py, over the gradebook at ``db_url``. False, writing nothing,
    where that file names an exporter of its own (``ExportApp.plugin_class``, which nbgrader
    imports from the course folder): ``nbgrader export`` is then the way to run it."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    if "plugin_class" in config.ExportApp:
        return False
    app = ExportApp(config=config, log_level="WARN")  # as quiet as the command's captured output was
    exporter = app.plugin_class(parent=app)
    exporter.to = str(destination)
    with Gradebook(db_url, CourseDirectory(config=config, root=str(course)).course_id) as gradebook:
        exporter.export(gradebook)
    return True
