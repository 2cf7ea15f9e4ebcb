"""Every status a student's grading can end in, and every marker: one home, so that the
writer and the reader of each cannot drift.

Statuses are what the class report, ``state.json`` and the progress lines show. Markers
are the error names and message prefixes that the grading pipeline writes into an
executed notebook (``GuardedExecute``, the judge, nbclient's timeout) and that
``grade.classify`` reads back; the notebook markers nbgrader and the masters use
(solution and hidden-test regions); and what makes a statement of a test cell a check
(the judge scores it; suspicious.py lists code that redefines one).
"""

import re

GRADED = "graded"
MISSING_NOTEBOOK = "missing notebook"
INVALID_NOTEBOOK = "invalid notebook"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel died"
MEMORY_CAP = "memory cap"
TO_REVIEW = "graded, code to review"  # suspicious.py found code a TA may want to read
TEST_CELLS_MISSING = "test cells missing"
GRADER_TIME_LIMIT = "grader time limit"
GRADER_ERROR = "grader error"
REFUSED = "refused"

# When a student has several problems, the status shown is the first of this order;
# the reason lists them all.
SEVERITY = (GRADER_ERROR, GRADER_TIME_LIMIT, REFUSED, INVALID_NOTEBOOK, MISSING_NOTEBOOK,
            MEMORY_CAP, KERNEL_DIED, TIMEOUT, TEST_CELLS_MISSING, TO_REVIEW, GRADED)

# Markers in executed notebooks.
TIMEOUT_ERROR = "CellTimeoutError"        # nbclient's error on a cell that ran too long
DEAD_KERNEL_ERROR = "DeadKernelError"     # GuardedExecute: the kernel died in this cell
NOT_RUN_ERROR = "NotRun"                  # GuardedExecute: a test after the kernel died
MEMORY_LIMIT_MESSAGE = "the kernel went over its memory limit"


# Markers in master notebooks (nbgrader's own).
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")

# The judge's record of a test cell's checks, an output of the autograded cell (judge.Verdict.checks_record):
# read by the class report's item analysis, dropped from feedback (preprocessors.HideGraderOutputs).
CHECKS_MIME = "application/vnd.dl-course.checks+json"

# The judge's count of the test cells it replayed and computed, a line of each notebook's grading
# log (nbgrader_ext/judged_cells.py); scripts/replay_hit_rate.py reads it back.
REPLAY_COUNT_LOG = "Judge: %d test cell(s) replayed, %d judged"
REPLAY_COUNT = re.compile(r"Judge: (\d+) test cell\(s\) replayed, (\d+) judged")

# Checks in test cells (autograder/judge/): calls of functions named so, and the comments on a check's first line.
CHECK_PREFIXES = ("assert_", "check_")
WEIGHT = re.compile(r"#\s*(?:format,\s*)?weight:\s*(\d+(?:\.\d+)?)")  # its share of the cell's points
FORMAT = re.compile(r"#\s*format\b")  # a format check (type, shape, dtype, keys): pays only beside a passed concept check


def worst(statuses) -> str:
    """The status to show for a student with these problems (GRADED when none)."""
    return min(statuses, key=SEVERITY.index, default=GRADED)
