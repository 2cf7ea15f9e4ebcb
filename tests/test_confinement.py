"""A hostile class: students who have read this repository attack the grader and each other.

Each attacker's answer cell tries something and prints what it achieved; the grading
runs in the sandbox (autograder/nbgrader_ext/sandbox.py). Every case asserts its outcome, the
honest students graded in the same batch score exactly as when graded alone, and
nothing is left on the machine afterwards. Skipped, with the reason, only where the host
cannot run bubblewrap.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.notebook.assignment import REPO
from autograder.coordinator.course import copy_course, db_url
from autograder.worker.grade import Limits
from autograder.coordinator.class_run import grade_class
from autograder.gradebook import cell_scores
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.nbgrader_ext.sandbox import host_problem
from autograder.notebook.submissions import solved
from tests.test_grade_class import ASSIGNMENT, FULL, NOTEBOOK, course, notebooks  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(host_problem() is not None, reason=f"no sandbox here: {host_problem()}")
HOME = Path.home()  # the grader's: only the kit's own folders under it may be visible
MARKER = "kit-attack-7f3a"  # in every process and file an attacker tries to leave behind
SECRET = "postgresql://grader:s3cret@db.example.edu/course"


def attacks(course_dir) -> dict[str, str]:
    """Student id -> answer code for ``negate`` that attacks, then defines a correct negate."""
    c, scratch = str(course_dir), str(course_dir.parent / "tmp")  # scratch: the workers' folders (hostile)
    return {
        "reads_masters": f"""
import os, glob
found = [p for p in ['{c}/source', '{c}/gradebook.db', '{c}/submitted/good', '{c}/nbgrader_config.py',
                     '{REPO}/source', '{REPO}/autograder', '{REPO}/nbgrader_config.py', '{HOME}/.cache', '/root/.ssh']
         if os.path.exists(p)] + glob.glob('/proc/*/cwd/source')
found += glob.glob('{scratch}/kit-grade-*/*/gradebook.db') + glob.glob('{scratch}/kit-grade-*/grade-good-*')
print('FOUND', found)""",
        "reads_environment": """
import os, glob
environments = [open(path, 'rb').read().decode(errors='replace') for path in glob.glob('/proc/[0-9]*/environ')]
print('FOUND', sorted(k for k, v in os.environ.items() if 'grader' in v or 'NBGRADER_DB' in k),
      [e for e in environments if 's3cret' in e])
print('PROCS', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))""",
        "writes_outside": f"""
import os
hits = []
for path in ['{REPO}/helpers/checks.py', '{c}/gradebook.db', '{c}/submitted/good/{ASSIGNMENT}/{NOTEBOOK}',
             '{c}/source/{ASSIGNMENT}/{NOTEBOOK}', '{c}/nbgrader_config.py', '/{MARKER}', '/usr/{MARKER}']:
    try:
        with open(path, 'a') as out:
            out.write('# vandalised')
        hits.append(path)
    except OSError:
        pass
print('WROTE', hits)""",
        "leaves_processes": f"""
import subprocess, os
subprocess.Popen(['{MARKER}', '600'], executable='/bin/sleep', start_new_session=True)
if os.fork() == 0:
    os.setsid()
    os.execvp('sleep', ['{MARKER}', '600'])
open('/tmp/{MARKER}', 'wb').write(b'x' * 50_000_000)
print('SPAWNED')""",
        "detached_memory": f"""
import subprocess
child = subprocess.Popen(['python', '-c', 'import time; a = bytearray(1500 * 2**20); time.sleep(30)'],
                         start_new_session=True)
print('CHILD', child.wait())""",
        "fork_bomb": """
import os, time
n = 0
try:
    for _ in range(100_000):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError:
    pass
print('FORKED', n)""",
        "kills_everything": """
import os, signal
for pid in [os.getppid(), 1]:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as error:
        print('KILL', pid, error.errno)
try:
    os.kill(-1, signal.SIGKILL)
except ProcessLookupError:
    print('NOTHING TO KILL')""",
        "uses_network": """
import socket
for host, port in [('127.0.0.1', PORT), ('pypi.org', 443)]:
    try:
        socket.create_connection((host, port), timeout=3)
        print('CONNECTED', host)
    except OSError as error:
        print('REFUSED', host)""",
    }


CORRECT = "\ndef negate(x):\n    return -x\n"


@pytest.fixture(scope="module")
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


@pytest.fixture(scope="module")
def hostile(course, tmp_path_factory, listener):  # noqa: F811
    master, release = notebooks(course)
    copy = copy_course(tmp_path_factory.mktemp("hostile") / "course", [ASSIGNMENT], repo=course)
    students = {name: solved(master, release, {"negate": code.replace("PORT", str(listener)) + CORRECT})
                for name, code in attacks(copy).items()}
    students |= {"good": solved(master, release), "partial": solved(master, release, {"square": None})}
    for student, notebook in students.items():
        folder = copy / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / NOTEBOOK)
    # Submission folders that cannot be copied as they are.
    odd = copy / "submitted" / "odd_files" / ASSIGNMENT
    odd.mkdir(parents=True)
    nbformat.write(students["good"], odd / NOTEBOOK)
    (odd / "dangling").symlink_to(copy / "does-not-exist")
    os.mkfifo(odd / "pipe")
    linked = copy / "submitted" / "links_the_master" / ASSIGNMENT
    linked.mkdir(parents=True)
    (linked / NOTEBOOK).symlink_to(copy / "source" / ASSIGNMENT / NOTEBOOK)
    protected = {path: _digest(path) for path in [REPO / "helpers" / "checks.py", copy / "nbgrader_config.py",
                                                   copy / "source" / ASSIGNMENT / NOTEBOOK]}
    download = copy.parent / "lms.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr("lms1_1234_ps1.ipynb", nbformat.writes(students["good"]))
        for name in [".._1234_ps1.ipynb", "[bob]_1234_ps1.ipynb", "-rf_1234_ps1.ipynb", "nounderscore.ipynb"]:
            archive.writestr(name, nbformat.writes(students["good"]))
    scratch = copy.parent / "tmp"  # the grader's own temporary folders, to see that none is left
    scratch.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(scratch))
        patch.setenv("TMPDIR", str(scratch))
        patch.setenv("NBGRADER_DB_URL_BACKUP", SECRET)
        patch.setenv("COURSE_CELL_TIMEOUT", "30")
        rows = grade_class(copy, ASSIGNMENT, workers=2, lms=download, limits=Limits(memory_mb=1000),
                           progress=lambda line: None)
    assert not list(scratch.iterdir()), "temporary folders left behind"
    return copy, {row["student"]: row for row in rows}, protected


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _printed(copy, student) -> str:
    notebook = nbformat.read(copy / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "negate")
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_honest_students_score_as_when_graded_alone(hostile):
    _, rows, _ = hostile
    assert (rows["good"]["status"], rows["good"]["scores"]) == ("graded", FULL)
    assert rows["partial"]["scores"] == {**FULL, "test_square": 0.0}
    assert rows["lms1"]["scores"] == FULL


def test_nothing_of_the_course_or_the_machine_is_visible(hostile):
    copy, rows, _ = hostile
    assert "FOUND []" in _printed(copy, "reads_masters")
    assert rows["reads_masters"]["scores"] == FULL


def test_the_coordinators_environment_and_processes_are_invisible(hostile):
    copy, _, _ = hostile
    printed = _printed(copy, "reads_environment")
    assert "FOUND [] []" in printed
    processes = eval(printed.split("PROCS")[1].strip())  # a list of small pids: its own namespace
    assert max(processes) < 50, processes


def test_nothing_outside_the_notebook_folder_can_be_written(hostile):
    copy, rows, protected = hostile
    assert "WROTE []" in _printed(copy, "writes_outside")
    assert all(_digest(path) == digest for path, digest in protected.items())
    assert rows["writes_outside"]["scores"] == FULL


def test_no_process_or_file_outlives_grading(hostile):
    copy, rows, _ = hostile
    assert "SPAWNED" in _printed(copy, "leaves_processes")
    assert rows["leaves_processes"]["scores"] == FULL
    left = subprocess.run(["pgrep", "-f", MARKER], capture_output=True, text=True).stdout
    assert not left, f"processes left behind: {left}"
    assert not os.path.exists(f"/tmp/{MARKER}") and not os.path.exists(f"/{MARKER}")


def test_memory_of_a_detached_child_counts_against_the_kernel(hostile):
    copy, rows, _ = hostile
    if os.geteuid() != 0:  # no cgroup: the per-process limit refuses the child's allocation
        assert "CHILD 1" in _printed(copy, "detached_memory")  # MemoryError
    elif rows["detached_memory"]["status"] == "memory cap":  # the OOM killer chose the kernel
        assert "memory limit (1000 MB)" in rows["detached_memory"]["reason"]
    else:  # or the child: killed, the kernel goes on
        assert "CHILD -9" in _printed(copy, "detached_memory")


def test_a_fork_bomb_stops_at_the_process_limit(hostile):
    copy, rows, _ = hostile
    forked = int(_printed(copy, "fork_bomb").split("FORKED")[1])
    assert forked < Limits().max_processes
    assert rows["fork_bomb"]["scores"] == FULL


def test_killing_everything_reaches_nothing(hostile):
    _, rows, _ = hostile  # kill(-1) signals every process it can see but itself: none of the grader's
    assert (rows["kills_everything"]["status"], rows["kills_everything"]["scores"]) == ("graded", FULL)
    assert (rows["good"]["status"], rows["good"]["scores"]) == ("graded", FULL)


def test_no_network(hostile):
    copy, rows, _ = hostile
    printed = _printed(copy, "uses_network")
    assert "CONNECTED" not in printed and printed.count("REFUSED") == 2
    assert rows["uses_network"]["scores"] == FULL


def test_files_that_cannot_be_copied_are_skipped_and_named(hostile):
    _, rows, _ = hostile
    assert (rows["odd_files"]["status"], rows["odd_files"]["scores"]) == ("graded", FULL)
    assert "dangling: a symbolic link, ignored" in rows["odd_files"]["reason"]
    assert "pipe: not a regular file, ignored" in rows["odd_files"]["reason"]
    assert rows["links_the_master"]["status"] == "missing notebook"
    assert f"{NOTEBOOK}: a symbolic link, ignored" in rows["links_the_master"]["reason"]
    assert set(rows["links_the_master"]["scores"].values()) == {0.0}


def test_hostile_lms_file_names_are_refused_in_the_report(hostile):
    copy, rows, _ = hostile
    refused = {name: row["reason"] for name, row in rows.items() if row["status"] == "refused"}
    assert set(refused) == {"file '.._1234_ps1.ipynb'", "file '[bob]_1234_ps1.ipynb'",
                            "file '-rf_1234_ps1.ipynb'", "file 'nounderscore.ipynb'"}
    assert all("not collected" in reason for reason in refused.values())
    assert not (copy / ASSIGNMENT).exists() and not (copy.parent / ASSIGNMENT).exists()
    assert sorted(p.name for p in (copy / "submitted").iterdir()) == sorted(
        [*attacks(copy), "good", "partial", "odd_files", "links_the_master", "lms1"])
    report = (copy / "reports" / ASSIGNMENT / "results.csv").read_text()
    assert "[bob]_1234_ps1.ipynb" in report


def test_the_sandbox_is_what_stops_them(course, tmp_path):  # noqa: F811
    """Control: the same reading attack, graded unconfined, does see the course."""
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "course", [ASSIGNMENT], repo=course)
    folder = copy / "submitted" / "reads_masters" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(solved(master, release, {"negate": attacks(copy)["reads_masters"] + CORRECT}), folder / NOTEBOOK)
    grade_class(copy, ASSIGNMENT, limits=Limits(confine=False), progress=lambda line: None)
    assert f"'{copy}/source'" in _printed(copy, "reads_masters")


def test_the_kernel_imports_the_helpers_of_the_course_folder(course, tmp_path):  # noqa: F811
    """A course folder that is not the clone the kit is installed from: its kernels import its
    own helpers, the judge's, not the installed one, which the sandbox does not show
    (issue #22). Graded as an instructor grades, with nbgrader in the course folder."""
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "elsewhere", [ASSIGNMENT], repo=course)
    shutil.copytree(REPO / "helpers", copy / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "helpers" / "_course_marker.py").write_text("WHERE = 'the course folder'\n")
    probe = "import helpers._course_marker\nprint('HELPERS', helpers._course_marker.WHERE, helpers.__file__)\n"
    folder = copy / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(solved(master, release, {"negate": probe + CORRECT}), folder / NOTEBOOK)
    run_nbgrader(copy, "generate_assignment", ASSIGNMENT, "--force", private=True)
    run_nbgrader(copy, "autograde", ASSIGNMENT, private=True)
    assert f"HELPERS the course folder {copy / 'helpers' / '__init__.py'}" in _printed(copy, "alice")
    assert cell_scores(db_url(copy), ASSIGNMENT, "alice") == FULL


def test_without_bubblewrap_grading_is_refused_with_the_fix(course, tmp_path):  # noqa: F811
    """Where the sandbox cannot run, the class command refuses before grading anyone and says
    how to fix it: never a silent downgrade. (bwrap is hidden from PATH.)"""
    copy = copy_course(tmp_path / "course", [ASSIGNMENT], repo=course)
    master, release = notebooks(course)
    folder = copy / "submitted" / "good" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(solved(master, release), folder / NOTEBOOK)
    tools = tmp_path / "bin"  # what grading runs, without bwrap
    tools.mkdir()
    for name in ("python", "python3", "sh"):
        (tools / name).symlink_to(shutil.which(name) or sys.executable)
    refused = subprocess.run([sys.executable, "-m", "autograder.grade_class", ASSIGNMENT],
                             cwd=copy, env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{tools}"},
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "bubblewrap (bwrap) is not installed" in refused.stderr
    assert "apt-get install bubblewrap" in refused.stderr and "--unconfined" in refused.stderr
    assert not (copy / "autograded" / "good").exists() and not (copy / "reports").exists()


def test_a_grader_stopped_at_its_time_limit_leaves_no_process(course, tmp_path, monkeypatch):  # noqa: F811
    """The per-student limit kills nbgrader; the sandboxed kernel, in a session of its own,
    and what it started must die with it (bwrap --die-with-parent). A cell that waits costs
    no processor time, so only the per-student limit stops it here. The grader's temporary
    folder is this test's own, so that kernels other graders run on this machine meanwhile
    are not counted."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    master, release = notebooks(course)
    copy = copy_course(tmp_path / "course", [ASSIGNMENT], repo=course)
    waiter = (f"import subprocess, time\nsubprocess.Popen(['{MARKER}-waiter', '600'], executable='/bin/sleep')\n"
              "while True:\n    time.sleep(1)\n" + CORRECT)
    folder = copy / "submitted" / "waiter" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(solved(master, release, {"negate": waiter}), folder / NOTEBOOK)
    [row] = grade_class(copy, ASSIGNMENT, limits=Limits(time_s=20, memory_mb=1000), progress=lambda line: None)
    assert row["status"] == "grader time limit", row
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", f"{MARKER}-waiter|ipykernel_launcher -f {scratch}/kit-kernel"],
                          capture_output=True, text=True).stdout
    assert not left, f"processes left behind: {left}"
