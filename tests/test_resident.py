"""The resident grading process (autograder/worker/resident.py): nbgrader commands one after
another in one process, a command past its time limit killed with its process, a failed
command taking its process with it, and the next command then in a fresh process; the
gradebook's schema version it reads in-process."""

from nbgrader.api import get_alembic_version

from autograder.worker.nbgrader_cli import nbgrader_env
from autograder.worker.resident import ResidentGrader, alembic_head

QUICK = ["db", "student", "list"]  # loads the folder's config and gradebook, changes nothing


def course_folder(root, config: str):
    root.mkdir()
    (root / "nbgrader_config.py").write_text(config)
    return root


def test_commands_share_a_process_until_one_runs_past_its_time_or_fails(tmp_path):
    ok = course_folder(tmp_path / "ok", "c = get_config()\n")
    hangs = course_folder(tmp_path / "hangs", "import time\ntime.sleep(600)\n")
    log, grader, started = tmp_path / "nbgrader.log", ResidentGrader(), []
    try:
        assert grader.run(ok, QUICK, log, timeout=120, started=started.append) == (0, False)
        assert grader.run(ok, QUICK, log, timeout=120, started=started.append) == (0, False)
        assert started[0] is started[1] and started[0].poll() is None  # one process, still there

        code, killed = grader.run(hangs, QUICK, log, timeout=3, started=started.append)
        assert killed and code < 0
        assert started[2] is started[0] and started[0].poll() is not None  # gone, with what it ran

        code, killed = grader.run(ok, ["db", "student", "remove", "nobody"], log, timeout=120, started=started.append)
        assert code != 0 and not killed
        assert started[3] is not started[0] and started[3].poll() is not None  # a failure leaves nothing behind

        assert grader.run(ok, QUICK, log, timeout=120, started=started.append) == (0, False)
        assert started[4] not in started[:4]
    finally:
        grader.close()
    assert "nobody" in log.read_text()  # what nbgrader said is in the command's log


def test_the_gradebook_schema_version_read_in_process_is_the_one_alembic_prints(monkeypatch):
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # nbgrader runs the alembic script by name
    assert alembic_head() == get_alembic_version()
