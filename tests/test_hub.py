"""The course on a real JupyterHub (hub/), end to end, with real Unix accounts: the instructor
releases fashion_mnist, two students fetch it in JupyterLab's Assignment List in Debian's
chromium, one submits a full solution, the other a blank one and then a partial one; a student
attacks the others and the course from her own server; the instructor collects, runs the class
command and releases feedback; each student fetches their own feedback.

Root only (it creates the accounts dlct-instructor, dlct-ta, dlct-alice, dlct-bob and a course
under /srv, and removes them afterwards); slow and browser, like tests/test_browser.py.
Screenshots: test-artifacts/hub/<step>.png; the instructor's commands and their output:
instructor.log; every attack's outcome and the steps' times: attacks.json; the hub's log:
jupyterhub.log. The last test, in the everyday suite, checks the hub course's collect
(autograder/nbgrader_ext/exchange.py) without a hub.
"""

import csv
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from autograder.coordinator.course import copy_course
from autograder.notebook.assignment import REPO, load_assignment
from autograder.notebook.submissions import nbgrader_id, solved
from autograder.worker.nbgrader_cli import run_nbgrader
from tests.conftest import CALL_REPORT
from tests.servers import chromium, free_port, wait_for_jupyter

CHROMIUM = shutil.which("chromium")
MISSING = [tool for tool in ("useradd", "runuser", "chpasswd", "bwrap") if shutil.which(tool) is None]

ON_A_REAL_HUB = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH: the browser tests drive Debian's "
                       "chromium package, which `make test` installs (scripts/system_deps.sh --browser)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub test creates Unix accounts and runs a JupyterHub "
                       "as root: run it as root (CI does)"),
    pytest.mark.skipif(bool(MISSING), reason=f"the hub test needs {', '.join(MISSING)} "
                       "(Debian's passwd, util-linux and bubblewrap packages)"),
]


def on_a_real_hub(test):
    """The marks of the end-to-end test (slow, browser, root only)."""
    for mark in reversed(ON_A_REAL_HUB):
        test = mark(test)
    return test


if CHROMIUM is not None:
    from playwright.sync_api import expect

ARTIFACTS = REPO / "test-artifacts" / "hub"
COURSE_HUB = REPO / "hub" / "course_hub.py"
PREFIX = "dlct-"
INSTRUCTOR, TA, ALICE, BOB = (f"{PREFIX}{name}" for name in ("instructor", "ta", "alice", "bob"))
ASSIGNMENT = "fashion_mnist"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
LEFT_BLANK = ["count_dense_params", "build_mlp", "epochs_to_reach", "make_early_stopping",
              "best_combination", "modification"]  # Bob's partial answer, as tests/test_browser.py's
SPAWN_S = 180
GRADE_S = 900


@dataclass
class Hub:
    url: str
    root: Path
    passwords: dict[str, str]
    env: dict[str, str]
    log: Path
    shots: list[str] = field(default_factory=list)
    pages: dict = field(default_factory=dict)  # user -> their browser page

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def inbound(self) -> Path:
        return self.root / "exchange" / "dl-course" / "inbound"

    def instructor(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """``command`` run as the instructor in the course folder (hub/course_hub.py as-instructor)."""
        result = subprocess.run([sys.executable, str(COURSE_HUB), "--root", str(self.root), "as-instructor",
                                 "--", *command], capture_output=True, text=True, timeout=timeout)
        with (ARTIFACTS / "instructor.log").open("a") as log:
            log.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}(exit {result.returncode})\n\n")
        assert result.returncode == 0, f"{command} failed as the instructor:\n{result.stdout}\n{result.stderr}"
        return result


@pytest.fixture(scope="module")
def hub():
    """Accounts, runtime, course and exchange (hub/course_hub.py setup) under a fresh folder of
    /srv, and JupyterHub serving them on free ports; afterwards the hub is stopped (and with it
    every user's server), the accounts, groups and folder are removed."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    Path("/srv").mkdir(exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="dl-course-hub-test-", dir="/srv"))
    for user in (INSTRUCTOR, TA, ALICE, BOB):
        try:
            pwd.getpwnam(user)
            pytest.skip(f"an account {user} exists already (left by a killed run? `userdel -r {user}`)")
        except KeyError:
            pass
    server = log = None
    try:
        subprocess.run([sys.executable, str(COURSE_HUB), "--root", str(root), "setup", "--prefix", PREFIX],
                       check=True, capture_output=True, text=True)
        passwords = dict(line.split(" ", 1) for line in (root / "hub" / "passwords.txt").read_text().splitlines())
        port = free_port()
        env = {**os.environ, "DLC_HUB_ROOT": str(root), "DLC_HUB_PORT": str(port),
               "DLC_HUB_API_PORT": str(free_port()), "DLC_PROXY_API_PORT": str(free_port())}
        env.pop("NBGRADER_EXCHANGE", None)
        log_path = root / "hub" / "jupyterhub.log"
        log = log_path.open("w")
        server = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(REPO / "hub" / "jupyterhub_config.py")],
                                  cwd=root / "hub", env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        wait_for_jupyter(server, f"{url}/hub/health", log_path, what="JupyterHub")
        yield Hub(url, root, passwords, env, log_path)
    finally:
        if server is not None:
            server.terminate()  # the hub stops every user's server (cleanup_servers)
            try:
                server.wait(90)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if log is not None:
            log.close()
            shutil.copy(root / "hub" / "jupyterhub.log", ARTIFACTS / "jupyterhub.log")
        subprocess.run([sys.executable, str(COURSE_HUB), "--root", str(root), "remove"], check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(hub):
    with chromium(CHROMIUM) as browser:
        yield browser


@pytest.fixture
def failure_shots(hub, request):
    """On failure, the last state of every user's page: test-artifacts/hub/failed-<user>.png."""
    yield
    report = request.node.stash.get(CALL_REPORT, None)
    if report is not None and report.failed:
        for user, page in hub.pages.items():
            page.screenshot(path=ARTIFACTS / f"failed-{user}.png")


# --- The round trip ---

@on_a_real_hub
def test_a_course_round_trip_on_the_hub_with_attacks(hub, browser, failure_shots):
    timings = {}
    started = time.monotonic()

    # 1. The instructor registers and releases the assignment (as the instructor account), and
    #    sees it released in the Formgrader of their own server.
    hub.instructor("nbgrader", "generate_assignment", ASSIGNMENT, "--force")
    hub.instructor("nbgrader", "release_assignment", ASSIGNMENT)
    instructor = _login(browser, hub, INSTRUCTOR)
    instructor.goto(f"{hub.url}/user/{INSTRUCTOR}/lab?reset&formgrader=true")
    formgrader = instructor.frame_locator("#formgrader iframe")
    expect(formgrader.locator("table tr", has_text=ASSIGNMENT)).to_contain_text("released", ignore_case=True,
                                                                                timeout=60_000)
    _shot(hub, instructor, "01-instructor-formgrader-released")
    timings["release"] = time.monotonic() - started

    # 2. Both students fetch it in the Assignment List, in the browser.
    pages = {}
    for student in (ALICE, BOB):
        page = pages[student] = _login(browser, hub, student)
        assignments = _assignment_list(page)
        released = assignments.locator("#released_assignments_list .list_item:not(.nested_list_item)", has_text=ASSIGNMENT)
        expect(released).to_be_visible(timeout=60_000)
        _shot(hub, page, f"02-{student}-released")
        released.get_by_role("button", name="Fetch").click()
        expect(assignments.locator("#fetched_assignments_list .list_item:not(.nested_list_item)", has_text=ASSIGNMENT)).to_be_visible(
            timeout=60_000)
        _shot(hub, page, f"03-{student}-fetched")
        fetched = _home(student) / ASSIGNMENT / NOTEBOOK
        assert fetched.is_file() and fetched.stat().st_uid == pwd.getpwnam(student).pw_uid
    timings["fetch"] = time.monotonic() - started

    # 3. Different answers, written as each student; submitted in the browser. Bob submits
    #    twice, the blank release first: his second, partial one must count.
    facts = load_assignment(ASSIGNMENT, REPO)
    master, release = facts.masters[NOTEBOOK], facts.releases[NOTEBOOK]
    full = solved(master, release)
    partial = solved(master, release, dict.fromkeys(LEFT_BLANK))
    partial.cells = [cell for cell in partial.cells if cell.cell_type != "code" or nbgrader_id(cell)]
    _submit(hub, pages[BOB], BOB, count=1)
    _write_as(BOB, _home(BOB) / ASSIGNMENT / NOTEBOOK, nbformat.writes(partial))
    _submit(hub, pages[BOB], BOB, count=2)
    _write_as(ALICE, _home(ALICE) / ASSIGNMENT / NOTEBOOK, nbformat.writes(full))
    _submit(hub, pages[ALICE], ALICE, count=1)
    entries = sorted(hub.inbound.glob(f"{BOB}+{ASSIGNMENT}+*"), key=lambda path: path.read_text()
                     if path.is_file() else (path / "timestamp.txt").read_text())
    assert len(entries) == 2
    bob_entry = entries[-1]
    assert bob_entry.stat().st_mode & 0o777 == 0o770, oct(bob_entry.stat().st_mode)  # PrivateSubmit
    timings["submit"] = time.monotonic() - started

    # 4. Alice attacks from her own server, before the collect: the inbound (listing it; Bob's
    #    submission, even knowing its name), Bob's home, and two forgeries that collect must refuse.
    inbound = str(hub.inbound)
    round1 = _attack(hub, pages[ALICE], "round1", {
        "read": {"read Bob's submission (name known)": f"{bob_entry}/{NOTEBOOK}",
                 "read Bob's fetched notebook": f"{_home(BOB)}/{ASSIGNMENT}/{NOTEBOOK}"},
        "list": {"list the inbound": inbound, "list Bob's home": str(_home(BOB)),
                 "list the exchange's feedback": str(hub.root / "exchange" / "dl-course" / "feedback")},
        "write": {"overwrite Bob's submission": f"{bob_entry}/{NOTEBOOK}",
                  "add a file to Bob's submission": f"{bob_entry}/extra.ipynb",
                  "overwrite the released notebook": str(hub.root / "exchange" / "dl-course" / "outbound"
                                                         / ASSIGNMENT / NOTEBOOK)},
        "rename": {"move Bob's submission away": str(bob_entry)},
        "forge": {
            "forge_submission_as_bob": {"inbound": inbound, "student": BOB, "assignment": ASSIGNMENT,
                                        "files": {NOTEBOOK: nbformat.writes(release)}, "links": {}},
            "forge_link_to_the_master": {"inbound": inbound, "student": ALICE, "assignment": ASSIGNMENT, "files": {},
                                         "links": {NOTEBOOK: str(hub.course / "source" / ASSIGNMENT / NOTEBOOK)}},
        },
    })
    forged = {name: outcome for name, outcome in round1.items() if name.startswith("forge")}
    assert all(outcome.startswith("OPEN: created") for outcome in forged.values()), forged
    assert _open(round1, forged) == {}, round1

    # 5. The instructor collects: each student's latest genuine submission, never a forgery.
    collected = hub.instructor("nbgrader", "collect", ASSIGNMENT)
    log = collected.stdout + collected.stderr
    assert log.count("Not collecting") == 2, log
    assert f"owned by {ALICE}, not {BOB}" in log and "is a symbolic link" in log, log
    submitted = hub.course / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == [ALICE, BOB]
    assert (submitted / BOB / ASSIGNMENT / "timestamp.txt").read_text() == (bob_entry / "timestamp.txt").read_text()
    assert _answers(submitted / BOB / ASSIGNMENT / NOTEBOOK) == _answers_of(partial)
    assert _answers(submitted / ALICE / ASSIGNMENT / NOTEBOOK) == _answers_of(full)
    assert "BEGIN HIDDEN TESTS" not in (submitted / ALICE / ASSIGNMENT / NOTEBOOK).read_text()
    timings["collect"] = time.monotonic() - started

    # 6. The class command, as the instructor: every kernel in the sandbox (it stops rather than
    #    grade unconfined), then the feedback is released.
    graded = hub.instructor("python", "-m", "autograder.grade_class", ASSIGNMENT, "--course", str(hub.course),
                            timeout=GRADE_S)
    output = graded.stdout + graded.stderr
    assert "unconfined" not in output.lower(), output
    results = {row["student"]: row for row in csv.DictReader(
        (hub.course / "reports" / ASSIGNMENT / "results.csv").open())}
    assert sorted(results) == [ALICE, BOB], results
    assert all(row["status"].startswith("graded") for row in results.values()), results
    scores = {student: float(row["score_after"] or row["total"]) for student, row in results.items()}
    assert scores[ALICE] > scores[BOB] > 0, scores
    instructor_uid = pwd.getpwnam(INSTRUCTOR).pw_uid
    for path in (hub.course / "autograded" / ALICE / ASSIGNMENT / NOTEBOOK,
                 hub.course / "feedback" / BOB / ASSIGNMENT / f"{ASSIGNMENT}.html"):
        assert path.stat().st_uid == instructor_uid and not path.stat().st_mode & 0o007, path
    # nbgrader release_feedback reads each feedback folder's timestamp.txt and
    # submission_secret.txt (the submission's: the secret names the page in the exchange).
    # The class command does not copy them there yet: until it does, the instructor does.
    for student in (ALICE, BOB):
        folder = hub.course / "feedback" / student / ASSIGNMENT
        for name in ("timestamp.txt", "submission_secret.txt"):
            if not (folder / name).exists():
                hub.instructor("cp", str(submitted / student / ASSIGNMENT / name), str(folder / name))
    hub.instructor("nbgrader", "release_feedback", ASSIGNMENT)
    timings["grade"] = time.monotonic() - started
    # The TA, in the graders' group, reads and writes what the instructor's commands made.
    ta = subprocess.run(["runuser", "-u", TA, "--", str(hub.root / "runtime" / "venv" / "bin" / "python"), "-c", (
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('create table ta_was_here (x)');"
        "db.execute('drop table ta_was_here'); db.commit(); print(open(sys.argv[2]).read()[:20])"),
        str(hub.course / "gradebook.db"), str(hub.course / "autograded" / BOB / ASSIGNMENT / NOTEBOOK)],
        capture_output=True, text=True, cwd="/")
    assert ta.returncode == 0, ta.stderr

    # 7. Each student fetches their feedback in the Assignment List and sees their own score.
    for student in (ALICE, BOB):
        page = pages[student]
        assignments = _assignment_list(page)
        submitted_row = assignments.locator("#submitted_assignments_list .list_item:not(.nested_list_item)", has_text=ASSIGNMENT)
        button = submitted_row.get_by_role("button", name="Fetch Feedback").first
        expect(button).to_be_visible(timeout=60_000)
        button.click()
        expect(submitted_row.get_by_text("(view feedback)").first).to_be_visible(timeout=60_000)
        _shot(hub, page, f"07-{student}-feedback-fetched")
        pages_found = sorted((_home(student) / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
        assert len(pages_found) >= 1
        relative = pages_found[-1].relative_to(_home(student))
        page.goto(f"{hub.url}/user/{student}/files/{urllib.parse.quote(str(relative))}")
        text = page.locator("body").inner_text()
        shown = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)
        assert shown is not None, text[:500]
        assert float(shown.group(1)) == pytest.approx(scores[student]), (student, shown.group(0), scores)
        other = BOB if student == ALICE else ALICE
        assert other not in text
        _shot(hub, page, f"08-{student}-feedback-score")
    timings["feedback"] = time.monotonic() - started

    # 8. Alice attacks the course folder from her server: masters, gradebook, Bob's submitted,
    #    autograded and feedback files, Bob's fetched feedback (each of them exists).
    targets = {
        "read the master": hub.course / "source" / ASSIGNMENT / NOTEBOOK,
        "read the gradebook": hub.course / "gradebook.db",
        "read Bob's collected submission": submitted / BOB / ASSIGNMENT / NOTEBOOK,
        "read Bob's autograded notebook": hub.course / "autograded" / BOB / ASSIGNMENT / NOTEBOOK,
        "read Bob's feedback (course)": hub.course / "feedback" / BOB / ASSIGNMENT / f"{ASSIGNMENT}.html",
        "read Bob's fetched feedback": sorted((_home(BOB) / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))[-1],
        "read the class report": hub.course / "reports" / ASSIGNMENT / "results.csv",
    }
    assert all(path.is_file() for path in targets.values()), targets
    page = pages[ALICE]
    page.goto(f"{hub.url}/user/{ALICE}/lab")
    round2 = _attack(hub, page, "round2", {
        "read": {name: str(path) for name, path in targets.items()},
        "list": {"list the course folder": str(hub.course), "list the exchange's feedback":
                 str(hub.root / "exchange" / "dl-course" / "feedback")},
        "write": {"write into the course folder": str(hub.course / "submitted" / ALICE / "x.ipynb")},
    })
    assert _open(round2) == {}, round2

    # 9. ... and through the hub: the instructor's Formgrader and gradebook API with her own
    #    cookies, and the Formgrader on her own server (not there).
    checks = {}
    for name, path in [("instructor's formgrader", f"/user/{INSTRUCTOR}/formgrader"),
                       ("instructor's gradebook API", f"/user/{INSTRUCTOR}/formgrader/api/assignments"),
                       ("instructor's server API", f"/user/{INSTRUCTOR}/api/contents"),
                       ("her own formgrader", f"/user/{ALICE}/formgrader"),
                       ("her own gradebook API", f"/user/{ALICE}/formgrader/api/assignments"),
                       ("the hub's user API", f"/hub/api/users/{INSTRUCTOR}")]:
        response = page.goto(f"{hub.url}{path}")
        body = page.content()
        checks[name] = (response.status, page.url)
        assert response.status in (403, 404), (name, response.status, page.url)
        assert "nbgrader formgrade" not in body and ASSIGNMENT not in body, (name, body[:300])
        _shot(hub, page, f"10-{ALICE}-{re.sub(r'[^a-z]+', '-', name)}")
    (ARTIFACTS / "attacks.json").write_text(json.dumps({"round1": round1, "round2": round2, "hub": checks,
                                                        "timings_s": timings}, indent=1))


# --- Helpers ---

def _login(browser, hub: Hub, user: str):
    """A browser page logged in to the hub as ``user`` (its own cookies), their JupyterLab open."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")
    hub.pages[user] = page
    page.wait_for_url(re.compile(rf".*/user/{re.escape(user)}/lab.*"), timeout=SPAWN_S * 1000)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=SPAWN_S * 1000)
    return page


def _assignment_list(page):
    """Open nbgrader's Assignment List (Nbgrader menu) and return it once it has loaded."""
    page.goto(page.url.split("/lab")[0] + "/lab?reset")
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=SPAWN_S * 1000)
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    assignments = page.locator("#assignments")
    expect(assignments).to_be_visible(timeout=60_000)
    expect(assignments.locator("#released_assignments_list_loading")).to_be_hidden(timeout=60_000)
    return assignments


def _submit(hub: Hub, page, student: str, count: int) -> None:
    """Click Submit on the downloaded assignment; wait until it is the ``count``-th submission."""
    assignments = _assignment_list(page)
    fetched = assignments.locator("#fetched_assignments_list .list_item:not(.nested_list_item)", has_text=ASSIGNMENT).first
    expect(fetched).to_be_visible(timeout=60_000)
    fetched.get_by_role("button", name="Submit").click()
    # One row per assignment, one nested row (its time) per submission.
    submitted = assignments.locator("#submitted_assignments_list .list_item:not(.nested_list_item)", has_text=ASSIGNMENT)
    expect(submitted.locator(".nested_list_item")).to_have_count(count, timeout=60_000)
    _shot(hub, page, f"04-{student}-submitted-{count}")


def _attack(hub: Hub, page, round_name: str, targets: dict) -> dict:
    """Run tests/hub_attacks.py in a JupyterLab terminal of the student's own server; its results."""
    home = _home(ALICE)
    _write_as(ALICE, home / "hub_attacks.py", (REPO / "tests" / "hub_attacks.py").read_text())
    _write_as(ALICE, home / f"targets-{round_name}.json", json.dumps(targets))
    result = home / f"attacks-{round_name}.json"
    page.goto(f"{hub.url}/user/{ALICE}/lab?reset")
    page.locator(".jp-LauncherCard", has_text="Terminal").first.click()
    terminal = page.locator(".jp-Terminal .xterm").first
    expect(terminal).to_be_visible(timeout=60_000)
    terminal.click()
    page.keyboard.type(f"cd ~ && id -un && python hub_attacks.py {round_name} targets-{round_name}.json\n")
    deadline = time.monotonic() + 120
    while not result.exists() and time.monotonic() < deadline:
        time.sleep(0.5)  # the script's result file, written by the user's own process
    assert result.exists(), f"the attack script did not finish in Alice's terminal ({round_name})"
    page.wait_for_timeout(1000)  # let the terminal draw the printed lines for the screenshot
    _shot(hub, page, f"{'05' if round_name == 'round1' else '09'}-{ALICE}-terminal-attacks-{round_name}")
    assert result.stat().st_uid == pwd.getpwnam(ALICE).pw_uid  # it ran as Alice
    return json.loads(result.read_text())


def _open(results: dict, expected: dict | None = None) -> dict:
    """The attacks that were not blocked, less the ``expected`` ones."""
    return {name: outcome for name, outcome in results.items()
            if not outcome.startswith("blocked") and name not in (expected or {})}


def _write_as(user: str, path: Path, text: str) -> None:
    """Write ``path`` as ``user`` (the file is theirs, as if they had saved it)."""
    subprocess.run(["runuser", "-u", user, "--", "sh", "-c", 'cat > "$1"', "sh", str(path)],
                   input=text, text=True, check=True, cwd="/")


def _home(user: str) -> Path:
    return Path(pwd.getpwnam(user).pw_dir)


def _answers(path: Path) -> list[str]:
    return _answers_of(nbformat.read(path, as_version=4))


def _answers_of(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code"]


def _shot(hub: Hub, page, step: str) -> None:
    path = ARTIFACTS / f"{step}.png"
    page.screenshot(path=path)
    hub.shots.append(path.name)


# --- The hub course's collect, without a hub (everyday suite) ---

def test_collect_on_the_hub_takes_only_submissions_their_student_owns(tmp_path, monkeypatch):
    """OwnerCheckedCollect, as the hub's course config sets it: of this account's submissions it
    takes the latest genuine one, not a later one that links to the master; a submission named
    after an account that does not exist (and, as root, one owned by another account) is left."""
    monkeypatch.delenv("NBGRADER_EXCHANGE", raising=False)
    me = pwd.getpwuid(os.geteuid()).pw_name
    course = copy_course(tmp_path / "course", [ASSIGNMENT])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + _course_hub().HUB_SECTION.format(course_id="dl-course"))
    inbound = course / "exchange" / "dl-course" / "inbound"
    inbound.mkdir(parents=True)
    release = (course / "release" / ASSIGNMENT / NOTEBOOK).read_text()

    def entry(student: str, day: int, **links) -> Path:
        stamp = f"2026-01-0{day} 10:00:00.000000 UTC"
        folder = inbound / f"{student}+{ASSIGNMENT}+{stamp}+r{day}"
        folder.mkdir()
        (folder / "timestamp.txt").write_text(stamp)
        for name, target in links.items():
            os.symlink(target, folder / name)
        if NOTEBOOK not in {f"{name}.ipynb" for name in links}:
            (folder / NOTEBOOK).write_text(release)
        return folder

    genuine = entry(me, 1)
    entry(me, 2, fashion_mnist=course / "source" / ASSIGNMENT / NOTEBOOK)  # later, a link to the master
    entry("no-such-account-dlc", 3)
    if os.geteuid() == 0:  # a later one in this account's name, owned by another account
        forged = entry(me, 4)
        for path in [forged, *forged.iterdir()]:
            os.chown(path, 65534, 65534)
    collected = run_nbgrader(course, "collect", ASSIGNMENT)
    log = collected.stdout + collected.stderr
    assert log.count("Not collecting") == (3 if os.geteuid() == 0 else 2), log
    submitted = course / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == [me]
    assert (submitted / me / ASSIGNMENT / "timestamp.txt").read_text() == (genuine / "timestamp.txt").read_text()
    assert not (submitted / me / ASSIGNMENT / NOTEBOOK).is_symlink()
    assert "BEGIN HIDDEN TESTS" not in (submitted / me / ASSIGNMENT / NOTEBOOK).read_text()


def _course_hub():
    """hub/course_hub.py as a module (hub/ is not a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("course_hub", COURSE_HUB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
