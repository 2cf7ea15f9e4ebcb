"""nbgrader configuration of the course. Run every nbgrader command from this folder.

Settings can be overridden per command (``nbgrader autograde mnist --Execute.timeout=300``)
or per machine with the environment variables named below.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    CheckCellMetadata, ClearOutput, DeduplicateIds, Execute, GetGrades,
    IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)
from nbgrader.validator import Validator

from autograder.nbgrader_ext.late_policy import CourseCollect, CourseLatePenalties, LateNote
from autograder.nbgrader_ext.execute import GuardedExecute
from autograder.nbgrader_ext.feedback import HideGraderOutputs, HideHiddenTests
from autograder.settings import (
    DB_URL_ENV, EXCHANGE_ENV, KERNEL_MAX_PROCESSES, KERNEL_MEMORY_MB, LMS_FILE_NAME, cell_cpu_limit,
    cell_wall_limit,
)
from autograder.markers import TIMEOUT_ERROR

c = get_config()  # noqa: F821  (injected by nbgrader when it loads this file)

# --- Course and directory layout (nbgrader's standard tree, relative to this folder) ---
c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# --- Gradebook: SQLite next to this file by default. For a shared PostgreSQL database set
# NBGRADER_DB_URL for every grader, nbgrader command and formgrader, e.g.
# postgresql+psycopg://grader:secret@db.example.edu/dl_course (psycopg 3, which the kit
# installs; README, "Gradebook on a PostgreSQL server") ---
c.CourseDirectory.db_url = os.environ.get(DB_URL_ENV, "sqlite:///gradebook.db")

# --- The exchange, where `nbgrader release_assignment` puts assignments and JupyterLab's
# Assignment List fetches and submits them: the folder exchange/ beside this file, for a
# course on one machine (it ships with the course, so that the list is empty rather than an
# error before the first release). A course on a shared server (a JupyterHub) sets
# NBGRADER_EXCHANGE to a folder every user can reach, e.g. /srv/nbgrader/exchange ---
c.Exchange.root = os.environ.get(EXCHANGE_ENV) or os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")

# --- Assignments are created in the gradebook when first generated ---
c.GenerateAssignment.create_assignment = True
# What a student finds where an answer goes: nbgrader's stub, with a message that says
# what to do when the stub runs (nbgrader's own raises a bare NotImplementedError) ---
c.ClearSolutions.code_stub = {"python": (
    "# YOUR CODE HERE: replace this comment and the raise line below with your answer\n"
    "raise NotImplementedError(\"not answered yet: replace this line with your code, then run the tests below\")")}

# --- Execution while grading: a cell may train small models on the reduced data, but one
# that computes for longer than COURSE_CELL_TIMEOUT seconds of processor time (kernel and
# its processes, all threads; a kernel has SandboxedKernelManager.threads = 2) is stopped,
# fails with a message naming the limit and helpers.budget, and the notebook goes on.
# Processor time, unlike wall-clock time, does not grow when the machine is busy, so a
# notebook gets the same grade on an idle and on a loaded grader. A cell that waits without
# computing (sleep) is stopped after COURSE_CELL_WALL_TIMEOUT seconds of wall-clock time. ---
CELL_CPU_LIMIT = cell_cpu_limit()  # grade_class --cpu-limit passes its own to every worker
CELL_WALL_LIMIT = cell_wall_limit(CELL_CPU_LIMIT)
c.GuardedExecute.cpu_limit = CELL_CPU_LIMIT
c.Execute.timeout = CELL_WALL_LIMIT
c.Execute.startup_timeout = 120
c.Execute.iopub_timeout = 60
c.Execute.raise_on_iopub_timeout = False
c.Execute.error_on_timeout = {
    "ename": TIMEOUT_ERROR,
    "evalue": (f"this cell ran for longer than the grader's limit of {CELL_WALL_LIMIT} s of "
               "wall-clock time and was interrupted; a graded notebook must not wait (sleep, "
               "input) and should shrink epochs, runs and sweeps with helpers.budget, "
               "e.g. EPOCHS = budget(20, grading=2)"),
    "traceback": [f"{TIMEOUT_ERROR}: this cell ran for longer than the grader's limit of "
                  f"{CELL_WALL_LIMIT} s of wall-clock time"],
}

# --- Confinement: every grading kernel runs in a bubblewrap sandbox (autograder/nbgrader_ext/sandbox.py):
# read-only system and Python, one writable folder (the notebook's), no network, its own
# processes only, and these OS-enforced limits. Where bubblewrap cannot run, grading
# stops with the fix; --SandboxedKernelManager.confine=False grades unconfined, with a
# warning for every kernel. The defaults are autograder/settings.py's. ---
c.SandboxedKernelManager.memory_mb = KERNEL_MEMORY_MB
c.SandboxedKernelManager.max_processes = KERNEL_MAX_PROCESSES

# --- Only real failures cost points. nbgrader 0.9 gives zero to a test cell that wrote
# anything to stderr; TensorFlow logs and Python warnings go there. IgnorePattern drops
# stderr outputs after execution (a failing test always leaves an `error` output, which
# still scores zero). The course kernel that every notebook names
# (share/jupyter/kernels/dl-course) keeps TensorFlow's logging quiet; the sandbox does so
# for any other kernel. ---
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]*"
# The same policy when a student validates (nbgrader validate, the lab's Validate button),
# so that validate passes exactly the notebooks that autograde to full points, whether or
# not TensorFlow happened to log. nbgrader does not mark the Validator's preprocessor list
# as configurable: it is marked here, and IgnorePattern (configured above) appended to
# nbgrader's own list. tests/test_grading_quietness.py checks it, with plain nbgrader as
# the control. ---
Validator.preprocessors.tag(config=True)
c.Validator.preprocessors = [CheckCellMetadata, ClearOutput, Execute, IgnorePattern]

# --- Keep stored notebooks small even if a submission prints without end ---
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.GuardedExecute.max_output_chars = 200_000

# --- Autograding pipeline: nbgrader's own, with GuardedExecute (autograder/nbgrader_ext/execute.py)
# in place of Execute: a dead kernel fails only the cell it died in and the tests after it,
# instead of dropping the notebook; and autograded test cells are judged in the grader, not
# in the student's kernel (autograder/judge/): the student's functions are called there
# and what they return crosses back as data. ---
c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    GuardedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    CourseLatePenalties, CheckCellMetadata,
]

# --- Deadlines, extensions and late work (autograder/nbgrader_ext/late_policy.py; README, "Deadlines,
# extensions and late work"). CourseLatePenalties, nbgrader's AssignLatePenalties above,
# writes each assignment's due date and the student's extension into the gradebook, then
# applies this policy through nbgrader's late-submission plugin hook, in plain
# `nbgrader autograde` and in the class command alike. No due date: no penalty.
# Due dates (naive UTC in the gradebook; a zone name or offset after the time):
#   c.CourseLatePolicy.due_dates = {"mnist": "2026-11-20 23:59 Europe/Berlin"}
# or `nbgrader db assignment add mnist --duedate="2026-11-20 23:59 Europe/Berlin"` for an
# assignment not named here. Extensions: extensions.csv beside this file, columns
# student,assignment,due (a new due date) or student,assignment,hours (extra hours).
# Penalty: penalty_per_unit of the score per started `unit` ("hour" or "day") after the
# due date, none within grace_minutes, at most max_penalty; after reject_after_days the
# submission scores zero (None: always accepted). counted_submission: which submission
# `nbgrader collect` takes from the exchange, "latest" (with its penalty) or
# "latest_on_time" (the latest before the student's due date, else the latest). ---
c.CourseLatePolicy.due_dates = {}
c.CourseLatePolicy.extensions_file = "extensions.csv"
c.CourseLatePolicy.grace_minutes = 15
c.CourseLatePolicy.penalty_per_unit = 0.10
c.CourseLatePolicy.unit = "day"
c.CourseLatePolicy.max_penalty = 0.50
c.CourseLatePolicy.reject_after_days = 7
c.CourseLatePolicy.counted_submission = "latest"
c.ExchangeFactory.collect = CourseCollect
# Times of LMS downloads: a zip entry's time is local time of this zone (Canvas: the
# zone of the machine that built the zip, usually the course's) ---
c.CourseLatePolicy.lms_timezone = "UTC"

# --- LMS downloads (nbgrader zip_collect): files named "<student>_<anything>_<notebook>.ipynb",
# e.g. Canvas's "alice_12345_67890_mnist.ipynb". Student ids must be safe folder names
# (autograder/settings.py, STUDENT_ID); grade_class reports every file that does not match.
# Adjust the pattern to your LMS. ---
c.FileNameCollectorPlugin.named_regexp = LMS_FILE_NAME

# --- Similar answers (python -m autograder.similarity; grade_class writes them at the end of every
# run): pairs of students whose code answers, beyond the release, match at or above this score are
# listed in reports/<assignment>/similarity.csv and .html for a person to read; a flag changes no
# grade. Default 0.8 (SimilarityReport in autograder/similarity/settings.py, with its other settings). ---
c.SimilarityReport.threshold = 0.8

# --- Feedback shows each hidden test's message, never its source, and a partial score once, in
# nbgrader's header, not as an "Out[ ]:" of the student's code (autograder/nbgrader_ext/execute.py).
# To reveal hidden tests after the deadline:
#   nbgrader generate_feedback <assignment> --force --HideHiddenTests.enabled=False
# LateNote (autograder/nbgrader_ext/late_policy.py) opens each page with the due date, the submission
# time and the late penalty. ---
c.GenerateFeedback.preprocessors = [GetGrades, LateNote, HideHiddenTests, HideGraderOutputs, CSSHTMLHeaderPreprocessor]
