"""How much work a notebook does: full budgets for students, small ones under grading.

nbgrader sets ``NBGRADER_EXECUTION`` in the kernel it starts to autograde or validate a
notebook. Notebooks write their budgets as ``budget(normal, grading)`` so the same cells
train for 20 epochs in a student's kernel and for 2 on the grader's machine.
"""

import os

GRADING_ENV = "NBGRADER_EXECUTION"


def is_grading() -> bool:
    """True when nbgrader is executing the notebook (autograde or validate)."""
    return bool(os.environ.get(GRADING_ENV))


def budget(normal, grading):
    """Return ``grading`` while nbgrader executes the notebook, ``normal`` otherwise.

    Works for any value: epoch counts, numbers of runs, lists of sweep values.
    """
    return grading if is_grading() else normal
