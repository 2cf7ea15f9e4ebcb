"""Every assignment through the nbgrader pipeline: no leaks, release in sync, honest grades."""

import html
import json
import re

import nbformat
import pytest

from autograder.coordinator.course import copy_course
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.notebook.submissions import is_answer, nbgrader_id
from tests.course_fixtures import (
    ASSIGNMENTS, autograde_again, autograded_scores, facts, mutants, scores,
)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
VOLATILE_METADATA = {"checksum"}  # nbgrader hashes; they follow the sources compared here


def significant_lines(text: str) -> set[str]:
    """Lines of code worth hiding: not blank, not comments, not a lone keyword or bracket."""
    return {line.strip() for line in text.splitlines()
            if len(line.strip()) > 8 and not line.strip().startswith("#")}


def public_lines(master) -> set[str]:
    """Lines every student is given: the master without its solutions and hidden tests."""
    return significant_lines("\n".join(SOLUTION.sub("", HIDDEN.sub("", cell.source))
                                       for cell in master.cells if not is_answer(cell)
                                       or SOLUTION.search(cell.source)))


def solution_lines(master) -> set[str]:
    return significant_lines("\n".join(region for cell in master.cells
                                       for region in SOLUTION.findall(cell.source)))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_no_solution_or_hidden_test(assignment):
    for name, master in facts(assignment).masters.items():
        release = facts(assignment).releases[name]
        release_text = "\n".join(cell.source for cell in release.cells)
        assert "BEGIN SOLUTION" not in release_text and "BEGIN HIDDEN TESTS" not in release_text
        public = public_lines(master)
        for cell in master.cells:
            for region in HIDDEN.findall(cell.source):
                leaked = [line for line in significant_lines(region) - public if line in release_text]
                assert not leaked, f"{name}: hidden test lines in the release: {leaked}"
            released = {nbgrader_id(c): c.source for c in release.cells}.get(nbgrader_id(cell), "")
            regions = SOLUTION.findall(cell.source) or ([cell.source] if is_answer(cell) else [])
            for region in regions:
                leaked = [line for line in significant_lines(region) - public if line in released]
                assert not leaked, f"{name}: solution lines in release cell {nbgrader_id(cell)}: {leaked}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_with_source(assignment, tmp_path):
    course = copy_course(tmp_path, [assignment])
    for name in facts(assignment).notebooks:
        (course / "release" / assignment / name).unlink()
    run_nbgrader(course, "generate_assignment", assignment, "--force")
    for name, committed in facts(assignment).releases.items():
        fresh = nbformat.read(course / "release" / assignment / name, as_version=4)
        assert _comparable(fresh) == _comparable(committed), (
            f"release/{assignment}/{name} is out of date: run "
            f"`nbgrader generate_assignment {assignment} --force` and commit release/")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_release_stub_says_what_to_do(assignment):
    for name, release in facts(assignment).releases.items():
        mute = [nbgrader_id(cell) for cell in release.cells if cell.cell_type == "code" and is_answer(cell)
                and "raise NotImplementedError" in cell.source and "replace this line with your code" not in cell.source]
        assert not mute, f"{name}: stubs without a message (ClearSolutions.code_stub): {mute}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_masters_are_committed_without_outputs(assignment):
    for name, master in {**facts(assignment).masters, **facts(assignment).releases}.items():
        executed = [nbgrader_id(c) or i for i, c in enumerate(master.cells)
                    if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not executed, f"{assignment}/{name}: clear the outputs of cells {executed}"


@pytest.mark.slow
def test_full_solution_earns_every_autograded_point(graded):
    assignment, course = graded
    assert autograded_scores(course, assignment, "solution") == facts(assignment).points


@pytest.mark.slow
def test_blank_release_earns_nothing_and_runs_to_the_end(graded):
    assignment, course = graded
    scores = autograded_scores(course, assignment, "blank")
    assert scores == {key: 0.0 for key in facts(assignment).points}
    for name in facts(assignment).notebooks:
        notebook = nbformat.read(course / "autograded" / "blank" / assignment / name, as_version=4)
        last_code = [c for c in notebook.cells if c.cell_type == "code"][-1]
        assert last_code.execution_count, f"{name}: the kernel stopped before the last cell"


@pytest.mark.slow
def test_alternative_correct_answers_earn_full_points(graded):
    assignment, course = graded
    assert autograded_scores(course, assignment, "alternative") == facts(assignment).points


@pytest.mark.slow
def test_correct_answers_in_real_students_styles_earn_full_points(graded):
    assignment, course = graded
    assert autograded_scores(course, assignment, "student_style") == facts(assignment).points


@pytest.mark.slow
def test_warnings_and_stderr_cost_nothing(graded):
    assignment, course = graded
    assert autograded_scores(course, assignment, "noisy") == facts(assignment).points


@pytest.mark.slow
def test_grading_the_same_submission_again_gives_identical_scores(graded):
    # the first mutant: some tests fail and some pass, the training checks included; graded
    # again by the instructor's own nbgrader autograde (the class command graded it first)
    assignment, course = graded
    student = next(iter(mutants(assignment)))
    first = scores(course, assignment, student)
    assert 0 < sum(autograded_scores(course, assignment, student).values()) < facts(assignment).max_points
    autograde_again(course, assignment, student)
    assert scores(course, assignment, student) == first


@pytest.mark.slow
def test_feedback_shows_hidden_test_messages_but_never_their_source(graded):
    assignment, course = graded
    # A hidden line that visible tests, the skeleton or the solution also contain is no secret.
    hidden = {name: set().union(*(significant_lines(region) for cell in master.cells
                                  for region in HIDDEN.findall(cell.source)))
              - public_lines(master) - solution_lines(master)
              for name, master in facts(assignment).masters.items()}

    def leaked(student):
        found = {}
        for name, lines in hidden.items():
            page = course / "feedback" / student / assignment / name.replace(".ipynb", ".html")
            text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
            found[name] = sorted(line for line in lines if line in text)
        return found

    run_nbgrader(course, "generate_feedback", assignment, "--force", "--student=blank",
                 "--HideHiddenTests.enabled=False")
    assert all(leaked("blank").values()), "control: revealed feedback should show the hidden tests"
    for student in ("blank", "solution"):
        run_nbgrader(course, "generate_feedback", assignment, "--force", f"--student={student}")
    for student in ("blank", "solution"):
        assert not any(leaked(student).values()), f"{student}: hidden test source in feedback: {leaked(student)}"
    page = course / "feedback" / "blank" / assignment / facts(assignment).notebooks[0].replace(".ipynb", ".html")
    assert "AssertionError" in page.read_text() or "NotImplementedError" in page.read_text()


def _comparable(notebook) -> str:
    cells = [{"cell_type": c.cell_type, "source": c.source,
              "metadata": {k: v for k, v in c.metadata.get("nbgrader", {}).items()
                           if k not in VOLATILE_METADATA}}
             for c in notebook.cells]
    return json.dumps({"cells": cells, "kernelspec": notebook.metadata.get("kernelspec")},
                      indent=1, sort_keys=True)
