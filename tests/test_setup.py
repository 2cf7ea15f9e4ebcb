"""Set-up on a stock machine: one sentence for an unsupported Python, quiet when all is there."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.notebook.assignment import REPO

sys.path.insert(0, str(REPO / "scripts"))
import check_python  # noqa: E402 (a script, not a package)


def test_the_supported_range_is_read_from_pyproject():
    assert check_python.supported_range() == ((3, 11, 2), (3, 12))


@pytest.mark.parametrize("version", [(3, 10, 12), (3, 11, 1), (3, 12, 0)])
def test_an_unsupported_python_gets_one_sentence_with_the_fix(version, monkeypatch, capsys):
    monkeypatch.setattr(sys, "version_info", (*version, "final", 0))
    assert check_python.main() == 1
    message = capsys.readouterr().err
    assert message.count("\n") == 1, message
    assert f"Python {'.'.join(map(str, version))}" in message
    assert "Python 3.11.2 up to, not including, 3.12" in message
    assert "make demo PYTHON=/path/to/python3.11" in message


@pytest.mark.parametrize("version", [(3, 11, 2), (3, 11, 7), (3, 11, 13)])
def test_a_supported_python_passes_silently(version, monkeypatch, capsys):
    monkeypatch.setattr(sys, "version_info", (*version, "final", 0))
    assert check_python.main() == 0
    assert capsys.readouterr().err == ""


def test_system_packages_present_means_silent_and_quick():
    done = subprocess.run(["sh", str(REPO / "scripts" / "system_deps.sh"), "--sandbox", "--venv", sys.executable],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run the script as another user")
@pytest.mark.parametrize("flags, packages", [
    (["--sandbox"], "bubblewrap"), (["--browser"], "chromium"), (["--postgres"], "postgresql"),
    (["--sandbox", "--browser", "--postgres"], "bubblewrap chromium postgresql")])
def test_an_ordinary_account_is_told_the_exact_command(flags, packages):
    """As anyone but root, a missing package stops set-up with the sudo command to run;
    nothing is attempted (bwrap and chromium are hidden from PATH, Debian's PostgreSQL
    programs by an empty /usr/lib/postgresql in a mount namespace of bubblewrap's; the
    script runs as "nobody")."""
    with tempfile.TemporaryDirectory() as folder:
        place = Path(folder)
        place.chmod(0o755)
        script = place / "system_deps.sh"
        shutil.copy(REPO / "scripts" / "system_deps.sh", script)
        tools = place / "bin"
        tools.mkdir()
        for name, target in [("id", shutil.which("id")), ("apt-get", shutil.which("true"))]:
            (tools / name).symlink_to(target)
        debian_postgres = Path("/usr/lib/postgresql")
        hidden = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--tmpfs", str(debian_postgres),
                  "--dev", "/dev", "--proc", "/proc", "--"] if debian_postgres.exists() else []
        done = subprocess.run([*hidden, shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
                               "--", "/bin/sh", str(script), *flags],
                              env={"PATH": str(tools)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done
    assert done.stderr.strip() == ("The kit needs Debian packages that only root can install: run "
                                   f"`sudo apt-get install {packages}`, then run make again.")
