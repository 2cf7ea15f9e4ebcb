"""What students and instructors do in the browser: JupyterLab, nbgrader's Validate button and
the formgrader, driven by Playwright in Debian's chromium against a real JupyterLab server
serving a copy of the course (its nbgrader_config.py in the server's folder, as when the
instructor runs `jupyter lab` from the repository root).

Screenshots of every step go to test-artifacts/browser/<test>-<step>.png (outside git).
"""

import csv
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.notebook.assignment import REPO, load_assignment
from autograder.coordinator.course import copy_course, submit
from autograder.worker.nbgrader_cli import nbgrader_env, run_nbgrader
from autograder.notebook.submissions import master_answers, nbgrader_id, solved
from tests.conftest import CALL_REPORT
from tests.servers import chromium, free_port, wait_for_jupyter

CHROMIUM = shutil.which("chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH: the browser tests drive Debian's "
                       "chromium package, which `make test` installs (scripts/system_deps.sh --browser)"),
]

if CHROMIUM is not None:
    from playwright.sync_api import expect

ARTIFACTS = REPO / "test-artifacts" / "browser"
ASSIGNMENT = "fashion_mnist"  # the smallest assignment: its solution validates in about 30 s
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
RELEASE = f"release/{ASSIGNMENT}/{NOTEBOOK}"
SOLVED = f"students/solved/{NOTEBOOK}"
HALF_DONE = f"students/half_done/{NOTEBOOK}"
# The answers a half-done notebook leaves as the release's stub, and the test cells that
# must fail because of them (the other answers come from the master and pass).
LEFT_BLANK = ["count_dense_params", "build_mlp", "epochs_to_reach", "make_early_stopping",
              "best_combination", "modification"]
FAILING_TESTS = ["test_count_dense_params", "test_build_mlp", "test_epochs_to_reach",
                 "test_make_early_stopping"]
PASSING_TESTS = ["test_scale_images", "test_build_baseline"]
STUDENT = "alice"
MANUAL_GRADE = 1.5  # entered for the written answer q_logits (2 points)

CELL_S = 120  # one cell: importing TensorFlow, building a model
VALIDATE_S = 300  # a whole notebook executed by the server's Validate handler


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab server: its URL, token and course folder."""

    url: str
    token: str
    course: Path

    def page_url(self, path: str, query: str = "") -> str:
        return f"{self.url}/{path}?token={self.token}{'&' + query if query else ''}"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course copy with the assignment generated (so that it is in the gradebook), a solved
    and a half-done copy of the student's notebook, and one submission to grade."""
    course = copy_course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", private=True)
    facts = load_assignment(ASSIGNMENT, course)
    master, release = facts.masters[NOTEBOOK], facts.releases[NOTEBOOK]
    half_done = solved(master, release, dict.fromkeys(LEFT_BLANK))
    for path, notebook in [(SOLVED, solved(master, release)), (HALF_DONE, half_done)]:
        (course / path).parent.mkdir(parents=True)
        nbformat.write(notebook, course / path)
    # The submission the formgrader test grades: the half-done notebook without its
    # experiment cells, which no test reads (as tests/course_fixtures.py's lean).
    half_done.cells = [cell for cell in half_done.cells if cell.cell_type != "code" or nbgrader_id(cell)]
    submit(course, STUDENT, ASSIGNMENT, {NOTEBOOK: half_done})
    return course


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    """`jupyter lab` serving ``course`` from its folder, with private Jupyter, IPython and Keras
    folders and the shipped fashion_mnist subset staged as the kernel's "full" data (no
    download); stopped, with its kernels, after the module even when a test fails. Its log
    is kept as test-artifacts/browser/jupyter-server.log."""
    state = tmp_path_factory.mktemp("jupyter")
    data = state / "data"
    data.mkdir()
    shutil.copy(REPO / "helpers" / "reduced_data" / f"{ASSIGNMENT}.npz", data)
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "Would you like to get notified about official Jupyter news?" toast over the pages.
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = nbgrader_env(private=True)
    env.pop("NBGRADER_EXCHANGE", None)  # the course copy's own exchange, beside its config
    env.update(JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_DATA_DIR=str(state / "share"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"), IPYTHONDIR=str(state / "ipython"),
               MPLCONFIGDIR=str(state / "matplotlib"), KERAS_HOME=str(state / "keras"),
               COURSE_DATA_DIR=str(data))
    token = secrets.token_hex(16)
    port = free_port()
    log = (state / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True",
         f"--ServerApp.root_dir={course}", f"--LabApp.user_settings_dir={state / 'settings'}",
         f"--LabApp.workspaces_dir={state / 'workspaces'}"],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_jupyter(server, f"{url}/api/status?token={token}", state / "server.log")
        yield Lab(url, token, course)
    finally:
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(state / "server.log", ARTIFACTS / "jupyter-server.log")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium (no browser download: Playwright is only the driver)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with chromium(CHROMIUM) as browser:
        yield browser


@pytest.fixture
def page(browser, request):
    """A fresh browser page (own cookies, clipboard allowed), offline as a course machine may
    be: every request to another host than the server fails; on failure its last state is
    saved as <test>-failed.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    page = context.new_page()
    try:
        yield page
        report = request.node.stash.get(CALL_REPORT, None)
        if report is not None and report.failed:
            page.screenshot(path=ARTIFACTS / f"{request.node.name}-failed.png")
    finally:
        context.close()


@pytest.fixture
def shot(page, request):
    """shot(step): a screenshot of the page as test-artifacts/browser/<test>-<step>.png."""
    def take(step: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=path)
        return path
    return take


# --- Student: run the cells, paste an answer, see the visible test pass ---

def test_a_pasted_answer_passes_its_visible_test(lab, page, shot):
    """A student opens the release, runs its cells (the visible test fails on the stub),
    pastes a correct answer over the stub and runs it and its visible test: it passes."""
    release = nbformat.read(lab.course / RELEASE, as_version=4)
    answer, test = _index(release, "scale_images"), _index(release, "test_scale_images")
    solution = master_answers(load_assignment(ASSIGNMENT, lab.course).masters[NOTEBOOK])["scale_images"]

    _open_notebook(page, lab, RELEASE)
    shot("opened")
    # Run every cell from the top down to the visible test, the answer still the stub.
    _cell(page, 0).locator(".jp-InputPrompt, .jp-Cell-inputCollapser").first.click()
    for _ in range(test + 1):
        page.keyboard.press("Shift+Enter")
    _wait_executed(_cell(page, test))
    expect(_cell(page, test).locator(".jp-OutputArea")).to_contain_text("NotImplementedError: not answered yet")
    _cell(page, test).scroll_into_view_if_needed()
    shot("stub-fails")
    count_before = _execution_count(_cell(page, test))

    # Paste the master's answer over the stub, run it and its visible test.
    page.evaluate("text => navigator.clipboard.writeText(text)", solution)
    editor = _cell(page, answer).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+V")
    expect(editor).to_have_text(solution, use_inner_text=True)
    page.keyboard.press("Shift+Enter")  # runs the answer, selects the test cell
    page.keyboard.press("Shift+Enter")
    _wait_executed(_cell(page, test), after=count_before)
    output = _cell(page, test).locator(".jp-OutputArea")
    expect(output).to_contain_text("The visible tests above passed.")
    assert "Error" not in output.inner_text() and "Traceback" not in output.inner_text()
    _cell(page, test).scroll_into_view_if_needed()
    shot("answer-passes")

    # What the page shows is what the notebook holds: saved, no cell up to the test has an
    # error, the data was loaded and the test cell says it passed.
    unsaved = page.locator(".lm-TabBar-tab.jp-mod-dirty", has_text=NOTEBOOK)
    expect(unsaved).to_have_count(1)
    page.keyboard.press("Control+S")
    expect(unsaved).to_have_count(0)
    saved = nbformat.read(lab.course / RELEASE, as_version=4)
    assert saved.cells[answer].source.strip() == solution.strip()
    ran = saved.cells[:test + 1]
    assert [cell.outputs for cell in ran if cell.cell_type == "code"
            and any(out.output_type == "error" for out in cell.outputs)] == []
    loaded = "".join(out.get("text", "") for out in saved.cells[_index(saved, "load_data")].outputs)
    assert "train: (3000, 28, 28) uint8" in loaded, loaded  # the staged data, no download
    outputs = saved.cells[test].outputs
    assert [out for out in outputs if out.output_type == "error"] == [], outputs
    assert any("The visible tests above passed." in out.get("text", "") for out in outputs), outputs


# --- Student: the Validate button ---

def test_validate_passes_a_solved_notebook(lab, page, shot):
    """The release with every answer of the master validates with the course's settings."""
    _open_notebook(page, lab, SOLVED)
    shot("opened")
    dialog = _validate(page)
    expect(dialog.locator(".validation-success")).to_have_text("Success! Your notebook passes all the tests.")
    shot("success")


def test_validate_lists_the_failing_tests_of_a_half_done_notebook(lab, page, shot):
    """With four parts left as stubs, Validate lists exactly their four visible tests, each
    with the error its stub raised, and none of the tests that pass."""
    notebook = nbformat.read(lab.course / HALF_DONE, as_version=4)
    sources = {nbgrader_id(cell): cell.source for cell in notebook.cells if nbgrader_id(cell)}
    _open_notebook(page, lab, HALF_DONE)
    dialog = _validate(page)
    expect(dialog.locator(".validation-failed")).to_be_visible()
    shot("failures")
    # Each failed cell: "The following cell failed:", its source, then its error.
    body = dialog.locator(".validation-failed")
    shown = [pre.inner_text() for pre in body.locator(".jp-RenderedText pre").all()]
    failed = dict(zip(shown[0::2], shown[1::2]))
    assert body.get_by_text("The following cell failed:").count() == len(failed) == len(shown) // 2
    assert sorted(failed) == sorted(sources[test] for test in FAILING_TESTS), list(failed)
    for test in FAILING_TESTS:
        error = failed[sources[test]]
        answer = test.removeprefix("test_")
        assert f"in {answer}(" in error and "NotImplementedError: not answered yet" in error, error
    text = body.inner_text()
    for passing in PASSING_TESTS:
        assert sources[passing] not in text


# --- Instructor: a manual grade in the formgrader reaches nbgrader export ---

def test_a_manual_grade_entered_in_the_formgrader_is_exported(lab, page, shot):
    """After `nbgrader autograde`, a grade typed into the formgrader for a written answer is
    saved, counted in the formgrader's list and in `nbgrader export`'s grades.csv."""
    run_nbgrader(lab.course, "autograde", ASSIGNMENT, private=True)
    before, out_of = _exported_score(lab.course)
    points = load_assignment(ASSIGNMENT, lab.course).points
    assert before == sum(points[test] for test in PASSING_TESTS)  # nothing graded by hand yet

    # JupyterLab's Formgrader tab: Manual Grading > assignment > notebook > the student.
    page.goto(lab.page_url("lab", "reset&formgrader=true"))
    formgrader = page.frame_locator("#formgrader iframe")
    formgrader.get_by_role("link", name="Manual Grading").click()
    step = formgrader.locator("table").get_by_role("link", name=ASSIGNMENT, exact=True)
    expect(step).to_be_visible()
    shot("assignments")
    step.click()
    step = formgrader.locator("table").get_by_role("link", name=ASSIGNMENT, exact=True)
    expect(formgrader.locator(".breadcrumb")).to_contain_text(ASSIGNMENT)
    expect(step).to_be_visible()
    shot("notebooks")
    step.click()
    expect(formgrader.locator("table").get_by_role("link", name="Submission #1")).to_be_visible()
    formgrader.get_by_role("button", name="Show All Names").click()
    step = formgrader.locator("table").get_by_role("link", name=STUDENT, exact=True)
    expect(step).to_be_visible()
    shot("submissions")
    missing = []  # what the grading page asked of MathJax and did not get
    page.on("response", lambda response: missing.append(response.url)
            if response.status >= 400 and "mathjax" in response.url.lower() else None)
    step.click()
    score = formgrader.locator("input.score#q_logits")
    expect(score).to_be_visible()
    score.scroll_into_view_if_needed()
    shot("submission")
    # Offline, the page still loads MathJax (from the server) and so finishes setting up
    # (formgrade.js marks MathJax.loaded; without MathJax it stops with a ReferenceError).
    grading = next(frame for frame in page.frames if "/formgrader/submissions/" in frame.url)
    grading.wait_for_function("window.MathJax !== undefined && MathJax.loaded === true"
                              " && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running")
    assert grading.locator(".MathJax").count() > 0  # the notebook's formulas were typeset
    assert missing == []
    with page.expect_response(lambda response: "/formgrader/api/grade/" in response.url
                              and response.request.method == "PUT") as saved:
        score.fill(str(MANUAL_GRADE))
        score.press("Tab")  # the formgrader saves a score when the field changes
    assert saved.value.ok, saved.value.status
    shot("graded")
    # The formgrader's own list counts it...
    formgrader.locator(".breadcrumb").get_by_role("link", name=ASSIGNMENT, exact=True).last.click()
    expect(formgrader.locator("table tr", has_text="Submission #1")).to_contain_text(
        f"{before + MANUAL_GRADE:g} / {out_of:g}")
    shot("regraded")

    # ... and so does nbgrader export, the grades an instructor hands on.
    assert _exported_score(lab.course) == (before + MANUAL_GRADE, out_of)


# --- Helpers ---

def _open_notebook(page, lab: Lab, path: str) -> None:
    """Open ``path`` in JupyterLab; wait until all its cells are there and the course kernel
    is idle."""
    page.goto(lab.page_url(f"lab/tree/{path}", "reset"))  # reset: none of the tabs an earlier test left
    cells = len(nbformat.read(lab.course / path, as_version=4).cells)
    expect(_cell(page, cells - 1)).to_be_attached(timeout=CELL_S * 1000)
    panel = page.locator(".jp-NotebookPanel:visible")
    expect(panel.locator(".validate-button")).to_be_visible()
    expect(panel.locator(".jp-Toolbar-kernelName")).to_have_text("Python 3 (DL course)", timeout=CELL_S * 1000)
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Python 3 (DL course) | Idle",
                                                               timeout=CELL_S * 1000)


def _cell(page, index: int):
    """The notebook's cell number ``index`` (from 0)."""
    return page.locator(f".jp-NotebookPanel:visible .jp-Notebook .jp-Cell[data-windowed-list-index='{index}']")


def _index(notebook, grade_id: str) -> int:
    return next(i for i, cell in enumerate(notebook.cells) if nbgrader_id(cell) == grade_id)


def _execution_count(cell) -> int | None:
    found = re.fullmatch(r"\[(\d+)\]:", cell.locator(".jp-InputPrompt").inner_text().strip())
    return int(found.group(1)) if found else None


def _wait_executed(cell, after: int | None = None) -> None:
    """Wait until ``cell`` has run: its prompt shows an execution count, a new one if ``after``
    is the count it showed before."""
    prompt = cell.locator(".jp-InputPrompt")
    if after is not None:
        expect(prompt).not_to_have_text(f"[{after}]:", timeout=CELL_S * 1000)
    expect(prompt).to_have_text(re.compile(r"\[\d+\]:"), timeout=CELL_S * 1000)


def _validate(page):
    """Click nbgrader's Validate button; the results dialog once it shows."""
    page.locator(".jp-NotebookPanel:visible .validate-button").click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    expect(dialog).to_be_visible(timeout=VALIDATE_S * 1000)
    return dialog


def _exported_score(course: Path) -> tuple[float, float]:
    """The student's score and the maximum in ``nbgrader export``'s grades.csv."""
    run_nbgrader(course, "export", private=True)
    with (course / "grades.csv").open() as grades:
        rows = [row for row in csv.DictReader(grades) if row["student_id"] == STUDENT]
    assert len(rows) == 1, rows
    return float(rows[0]["score"]), float(rows[0]["max_score"])
