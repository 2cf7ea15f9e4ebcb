"""Run nbgrader's own command-line apps on a course folder."""

import os
import subprocess
import sys
from pathlib import Path

from autograder.settings import DB_URL_ENV

NBGRADER = [sys.executable, "-m", "nbgrader"]


def nbgrader_env(private: bool = False) -> dict[str, str]:
    """This environment, with this interpreter's scripts first on PATH.

    nbgrader calls the ``alembic`` script by name to manage the gradebook, so it must
    find the one installed next to this Python even when the venv is not activated.
    private: for a throwaway course copy, which must use its own SQLite gradebook even
    when the course's gradebook is a server database named by NBGRADER_DB_URL.
    """
    env = dict(os.environ)
    if private:
        env.pop(DB_URL_ENV, None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_nbgrader(course: Path, *args: str, check: bool = True, private: bool = False) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in ``course``; with ``check``, raise with its output if it fails.

    private: ``course`` is a throwaway copy with its own gradebook (see ``nbgrader_env``).
    """
    result = subprocess.run([*NBGRADER, *args], cwd=course, env=nbgrader_env(private), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed with exit code {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")
    return result
