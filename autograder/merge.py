"""Copy one student's autograde results from a worker's gradebook into the course's.

Only the coordinating process calls this, one student at a time, so the course
gradebook has a single writer however many workers grade in parallel. What is copied is
exactly what nbgrader's SaveAutoGrades writes: the submission (with its timestamp), each
cell's auto score and whether it needs manual grading, and the auto comments. Manual
scores already in the course gradebook are kept.
"""

import warnings

from contextlib import contextmanager

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning


def merge_submission(worker_db: str, course_db: str, assignment: str, student: str) -> bool:
    """Copy the student's submission from ``worker_db``; False if the worker recorded none."""
    with Gradebook(worker_db) as worker:
        try:
            submission = worker.find_submission(assignment, student)
        except MissingEntry:
            return False
        timestamp = submission.timestamp
        grades = [(nb.name, g.name, g.auto_score) for nb in submission.notebooks for g in nb.grades]
        comments = [(nb.name, c.name, c.auto_comment) for nb in submission.notebooks for c in nb.comments]
    with _writing(course_db) as course:
        course.update_or_create_student(student)
        course.update_or_create_submission(assignment, student, timestamp=timestamp)
        for notebook, cell, auto_score in grades:
            grade = course.find_grade(cell, notebook, assignment, student)
            grade.auto_score = auto_score
            grade.needs_manual_grade = grade.manual_score is not None or auto_score is None
        for notebook, cell, auto_comment in comments:
            course.find_comment(cell, notebook, assignment, student).auto_comment = auto_comment
        course.db.commit()
    return True


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
