"""Read scores out of nbgrader's gradebook."""

from nbgrader.api import Gradebook, MissingEntry


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

