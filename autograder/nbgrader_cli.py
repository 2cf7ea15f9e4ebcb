"""Run nbgrader's own command-line apps on a course folder."""

import os
import subprocess
import sys
from pathlib import Path

NBGRADER = [sys.executable, "-m", "nbgrader"]


def nbgrader_env() -> dict[str, str]:
    """This environment, with this interpreter's scripts first on PATH.

    nbgrader calls the ``alembic`` script by name to manage the gradebook, so it must
    find the one installed next to this Python even when the venv is not activated.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in ``course``; with ``check``, raise with its output if it fails."""
    result = subprocess.run([*NBGRADER, *args], cwd=course, env=nbgrader_env(),
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed with exit code "
                           f"{result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result
