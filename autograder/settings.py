"""Every limit and default of grading, the environment variables that change them, and the
patterns of ids: one home. The traitlets of the sandbox and the preprocessors, the class
command's options and ``nbgrader_config.py`` read their defaults here, so a limit is one
line. Nothing here reads the environment on import: ``cell_cpu_limit()`` does, when asked.
"""

import os

# --- One student's kernel (sandbox.py, enforced by the operating system) ---
KERNEL_MEMORY_MB = 4096        # all its processes together, where a cgroup measures them
KERNEL_MAX_PROCESSES = 512     # processes and threads
KERNEL_MAX_FILE_MB = 1024      # largest file it may write
KERNEL_THREADS = 2             # TensorFlow's and BLAS's threads: fixed, so results do not depend on the machine

# --- One cell (preprocessors.GuardedExecute) ---
CELL_CPU_LIMIT_S = 240         # processor seconds, all threads and processes together
CELL_WALL_LIMIT_FACTOR = 5     # a cell that waits without computing is stopped after this times the CPU limit
CELL_OUTPUT_CHARS = 200_000    # stream output kept per cell; the rest is dropped

# --- The judge (autograder/judge/), in the grader's own process ---
JUDGE_MEMORY_MB = 6144         # the grader's private memory while it judges a test cell
JUDGE_MAX_PARAMS = 50_000_000  # a rebuilt model larger than this is refused, not trained
JUDGE_MAX_REPLY_CHARS = 256 << 20  # what one call of the student's code may send back

# --- One student's whole grading (grade.Limits): a backstop for a grader that hangs ---
STUDENT_TIME_LIMIT_S = 3600

# --- Environment variables ---
DB_URL_ENV = "NBGRADER_DB_URL"                # the gradebook's database URL (PostgreSQL for a shared course)
EXCHANGE_ENV = "NBGRADER_EXCHANGE"            # the exchange folder on a shared server
CELL_CPU_LIMIT_ENV = "COURSE_CELL_TIMEOUT"    # CELL_CPU_LIMIT_S for one machine
CELL_WALL_LIMIT_ENV = "COURSE_CELL_WALL_TIMEOUT"

# --- Ids ---
STUDENT_ID = r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}"  # a safe folder name: no "/", "*", "[" or leading "-" or "."
# LMS file names, "<student>_<anything>_<notebook>.ipynb" (Canvas: "alice_12345_67890_mnist.ipynb");
# nbgrader_config.py gives it to nbgrader zip_collect, and grade_class reports the files it refused.
LMS_FILE_NAME = rf".*/(?P<student_id>{STUDENT_ID.replace('_', '')})_(?:LATE_)?(?:[0-9]+_)*(?P<file_id>[^/]+\.ipynb)$"


def cell_cpu_limit() -> int:
    """The processor seconds a cell may use on this machine: ``$COURSE_CELL_TIMEOUT`` or the default."""
    return int(os.environ.get(CELL_CPU_LIMIT_ENV, CELL_CPU_LIMIT_S))


def cell_wall_limit(cpu_limit: int) -> int:
    """The wall-clock seconds a cell may wait: ``$COURSE_CELL_WALL_TIMEOUT`` or a multiple of its CPU limit."""
    return int(os.environ.get(CELL_WALL_LIMIT_ENV, CELL_WALL_LIMIT_FACTOR * cpu_limit))
