"""The similarity report (autograder/similarity/): disguised copies are flagged against their
originals, independent answers in different styles and blank answers are not, the release's
code never counts, the files' columns, escaping and settings, and the benchmark's planted
copies. No grading: submissions are written straight into course copies."""

import csv
import importlib.util
import json
import random
from pathlib import Path

import numpy as np
import pytest

from autograder.notebook.assignment import REPO, assignment_names, load_assignment
from autograder.coordinator.course import copy_course, submit
from autograder.similarity import SimilarityReport, benchmark, reading, similarity_report
from autograder.similarity.__main__ import main
from autograder.similarity.compare import compare
from autograder.similarity.fingerprints import normalise, statement_fingerprints
from autograder.similarity.reading import Student, fingerprint_student, read_class, read_release
from autograder.similarity.settings import course_settings
from autograder.similarity.synthetic import disguise, required_names
from autograder.notebook.submissions import fill_answers, is_answer, master_answers, nbgrader_id

ASSIGNMENTS = assignment_names()
DEFAULTS = SimilarityReport()


def spec(assignment: str):
    """tests/assignment_specs/<assignment>.py, by its path."""
    loader = importlib.util.spec_from_file_location(f"_specs_{assignment}",
                                                    REPO / "tests" / "assignment_specs" / f"{assignment}.py")
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def code_answers(assignment: str) -> list[str]:
    """The grade ids of the assignment's code answer cells."""
    facts = load_assignment(assignment)
    return [nbgrader_id(cell) for master in facts.masters.values() for cell in master.cells
            if cell.cell_type == "code" and is_answer(cell)]


def masters(assignment: str) -> dict[str, str]:
    """The master's answer of every code answer cell."""
    facts, keys = load_assignment(assignment), set(code_answers(assignment))
    answers = {}
    for master in facts.masters.values():
        answers.update({key: source for key, source in master_answers(master).items() if key in keys})
    return answers


def make_course(root: Path, assignment: str, students: dict[str, dict[str, str]]) -> Path:
    """A course copy in which each student submitted the release with these answers (grade id ->
    source; the others left as the stub)."""
    course = copy_course(root, [assignment])
    facts = load_assignment(assignment, course)
    for student, answers in students.items():
        notebooks = {}
        for name, release in facts.releases.items():
            ids = {nbgrader_id(cell) for cell in release.cells}
            notebooks[name] = fill_answers(release, {k: v for k, v in answers.items() if k in ids})
        submit(course, student, assignment, notebooks)
    return course


def flagged(outcome) -> dict[tuple[str, str], object]:
    return {(pair.student_a, pair.student_b): pair for pair in outcome.pairs}


# --- Every assignment: the master, two other styles, two disguised copies, two blanks ----------

@pytest.fixture(scope="module", params=ASSIGNMENTS)
def styles_class(request, tmp_path_factory):
    """(assignment, students' answers, outcome of the report) for a class of independent answers
    in three styles (the master's, tests/assignment_specs' ALTERNATIVE and STUDENT_STYLE, each
    alone in its notebook), a disguised copy of the master's and of the student-style answers,
    and two blank releases."""
    assignment = request.param
    keys, answers = set(code_answers(assignment)), spec(assignment)
    release = read_release(REPO, assignment, DEFAULTS)
    rng = random.Random(27)
    students = {
        "master": masters(assignment),
        "alternative": {k: v for k, v in answers.ALTERNATIVE.items() if k in keys},
        "student_style": {k: v for k, v in answers.STUDENT_STYLE.items() if k in keys},
        "blank_1": {},
        "blank_2": {},
    }
    for original in ("master", "student_style"):
        students[f"copy_of_{original}"] = {key: disguise(source, rng, required_names(release.stub[key]))
                                           for key, source in students[original].items()}
    course = make_course(tmp_path_factory.mktemp(assignment), assignment, students)
    return assignment, students, similarity_report(course, assignment)


def test_disguised_copy_is_flagged_against_its_original(styles_class):
    assignment, students, outcome = styles_class
    pairs = flagged(outcome)
    for original, copy in (("master", "copy_of_master"), ("student_style", "copy_of_student_style")):
        for key, source in students[original].items():  # the disguise changed every answer
            assert students[copy][key] != source
        pair = pairs[tuple(sorted((original, copy)))]
        assert pair.score >= 0.95, pair
        assert set(pair.cells) == set(students[original]), (assignment, pair.cell_scores)


def test_independent_answers_in_different_styles_are_not_flagged(styles_class):
    assignment, _, outcome = styles_class
    assert set(flagged(outcome)) == {("copy_of_master", "master"),
                                     ("copy_of_student_style", "student_style")}, outcome.pairs
    independent = [score for score, a, b in outcome.top
                   if {a.replace("copy_of_", ""), b.replace("copy_of_", "")} >= {"master", "student_style"}
                   or "alternative" in (a, b)]
    assert max(independent) < DEFAULTS.threshold, (assignment, outcome.top)


def test_blank_against_blank_is_not_flagged(styles_class):
    _, _, outcome = styles_class
    assert not [pair for pair in outcome.pairs if {"blank_1", "blank_2"} & {pair.student_a, pair.student_b}]
    assert not [top for top in outcome.top if {"blank_1", "blank_2"} & set(top[1:])]


# --- Hand-made disguises (MNIST) -------------------------------------------------------------

# What a student who copies does by hand: other names (an import alias too), the layout
# reformatted, comments and a docstring of their own, blank lines, keyword arguments and
# independent statements in another order, a helper function moved after its use, numbers
# and strings changed.
HAND_COPY_OF_ALTERNATIVE = {
    "one_hot": '''def one_hot(labels, num_classes=10):
    # start from a matrix of zeros, then put the ones in
    encoded=np.zeros( (len(labels),num_classes), dtype='float32' )

    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded''',
    "final_test_accuracies": '''def final_test_accuracies(build_model, n_runs, x_train, y_train, x_test, y_test, epochs):
    def train_and_score():   # one fresh model per run
        net = build_model()
        net.fit(x_train, y_train, verbose=0, batch_size=32, epochs=epochs)
        return net.evaluate(x_test, y_test, verbose=0)[1]

    return np.array([train_and_score() for run in range(n_runs)])''',
    "count_parameters": '''def count_parameters(layer_sizes):
    """Weights plus one bias per output unit."""
    n_params = 0

    for k in range(1, len(layer_sizes)):
        n_params += (layer_sizes[k - 1] + 1) * layer_sizes[k]

    return n_params''',
    "build_regularized": '''def build_regularized(l2):
    inp = keras.Input((28, 28))
    def make_layer(n):
        return layers.Dense(n, kernel_regularizer=keras.regularizers.l2(l2), activation='relu')
    h = make_layer(256)(make_layer(512)(layers.Flatten()(inp)))
    net = keras.Model(inp, layers.Dense(10, activation='softmax')(h))
    net.compile(loss='sparse_categorical_crossentropy', metrics=['acc'], optimizer='adam')
    return net''',
    "confusion_matrix": '''def confusion_matrix(labels, predictions, num_classes=10):
    # count every (label, prediction) pair in one go
    c = np.bincount(
        labels * num_classes + predictions,
        minlength=num_classes ** 2,
    )
    return c.reshape(num_classes, num_classes)''',
}

HAND_COPY_OF_STUDENT_STYLE = {
    "build_baseline": '''import tensorflow as tflow

def build_baseline():
    # a simple baseline network
    net = tflow.keras.models.Sequential()
    net.add(tflow.keras.layers.Flatten(input_shape=(28, 28)))
    net.add(tflow.keras.layers.Dense(64, activation=tflow.nn.relu))
    net.add(tflow.keras.layers.Dense(10))
    net.compile(metrics=['acc'], loss=mse,
                optimizer=tflow.keras.optimizers.SGD(learning_rate=0.05))
    return net


def mse(target, output):
    """My squared error."""
    return tflow.reduce_mean(tflow.square(target - output), axis=-1)''',
    "build_classifier": '''def build_classifier(hidden_units):
    net = keras.models.Sequential()
    net.add(layers.Flatten(input_shape=(28, 28)))
    for lyr in stack(hidden_units, 'relu') + stack(10, 'softmax'):
        net.add(lyr)
    net.compile(optimizer=keras.optimizers.Adam(), metrics=['accuracy'],
                loss=keras.losses.sparse_categorical_crossentropy)
    return net

# helper, after its use this time
def stack(width, act):
    return [layers.Dense(width, activation=act)]''',
    "build_cnn": '''def build_cnn(n_conv):
    import tensorflow as tf
    cnn = tf.keras.Sequential()
    for j in range(n_conv):
        if j == 0:
            cnn.add(tf.keras.layers.Conv2D(16, (5, 5), input_shape=(28, 28, 1), activation='relu'))
        else:
            cnn.add(tf.keras.layers.Conv2D(16 * 2 ** j, (5, 5), activation='relu'))
        cnn.add(tf.keras.layers.MaxPool2D((2, 2)))
    cnn.add(tf.keras.layers.Flatten())
    cnn.add(tf.keras.layers.Dense(10, activation='softmax'))
    cnn.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
    return cnn''',
}


def test_hand_disguised_copies_are_flagged_with_the_cells_copied(tmp_path):
    answers = spec("mnist")
    students = {"master": masters("mnist"), "alternative": dict(answers.ALTERNATIVE),
                "student_style": dict(answers.STUDENT_STYLE),
                "hand_copy_of_alternative": HAND_COPY_OF_ALTERNATIVE,
                "hand_copy_of_student_style": HAND_COPY_OF_STUDENT_STYLE}
    outcome = similarity_report(make_course(tmp_path, "mnist", students), "mnist")
    pairs = flagged(outcome)
    assert set(pairs) == {("alternative", "hand_copy_of_alternative"),
                          ("hand_copy_of_student_style", "student_style")}, outcome.pairs
    for (a, b), copied in ((("alternative", "hand_copy_of_alternative"), HAND_COPY_OF_ALTERNATIVE),
                           (("hand_copy_of_student_style", "student_style"), HAND_COPY_OF_STUDENT_STYLE)):
        assert pairs[a, b].score >= 0.95
        assert set(pairs[a, b].cells) == set(copied)
        assert min(pairs[a, b].cell_scores[key] for key in copied) >= 0.95


def test_renames_literals_comments_layout_and_order_leave_the_fingerprints_unchanged():
    original = '''def f(x, n=3):
    total = np.sum(x) * 2.5   # scale
    count = len(x) + n
    return total / count'''
    disguised = '''import numpy


def f(values, k = 7):
    """docstring of my own"""

    m = len(values)+k  # swapped with the line below: independent
    s = numpy.sum(values)*10
    # a comment
    return s/m'''

    def prints(source):
        return sorted(h for st in normalise(source, {"np": "numpy"})
                      for h in statement_fingerprints(st, DEFAULTS.kgram, DEFAULTS.min_statement_tokens)
                      if not st.tokens[0] == "import")

    assert prints(original) == prints(disguised)
    assert prints(original) != prints(original.replace("np.sum", "np.mean"))  # the API counts


def test_a_cell_that_does_not_parse_is_compared_token_by_token():
    broken = "def f(x):\n    y = np.mean(x) + len(x) * 2\n    return y +\n"
    renamed = "def f(z):\n    # mine\n    w = np.mean(z) + len(z) * 7\n    return w +\n"
    tokens = [statement.tokens for statement in normalise(broken, {"np": "numpy"})]
    assert tokens[1] == ("V", "=", "numpy.mean", "(", "V", ")", "+", "len", "(", "V", ")", "*", "N")
    assert tokens == [statement.tokens for statement in normalise(renamed, {"np": "numpy"})]


# --- The release never counts; common code does not count -------------------------------------

def test_code_given_by_the_release_never_counts(tmp_path):
    facts = load_assignment("mnist")
    release = facts.releases["mnist.ipynb"]
    given = "\n\n".join(cell.source for cell in release.cells
                        if cell.cell_type == "code" and not is_answer(cell))  # locked cells, visible tests
    stub = {nbgrader_id(cell): cell.source for cell in release.cells if is_answer(cell)}
    pasted = {key: stub[key] + "\n" + given for key in ("one_hot", "accuracy", "build_cnn")}
    course = make_course(tmp_path, "mnist", {"paster_1": pasted, "paster_2": pasted,
                                             "stub_and_pass_1": {"one_hot": stub["one_hot"] + "\npass"},
                                             "stub_and_pass_2": {"one_hot": stub["one_hot"] + "\npass"}})
    settings = course_settings(course)
    rel = read_release(course, "mnist", settings)
    student = Student("paster_1", pasted)
    assert fingerprint_student(student, rel, settings.kgram, settings.min_statement_tokens) == {}
    assert similarity_report(course, "mnist", settings=settings).pairs == []


def test_code_most_of_a_large_class_wrote_is_common_and_ignored():
    keys = ["cell"]
    forced = np.arange(1, 41, dtype=np.int64)  # 40 fingerprints everyone has
    prints = [{"cell": np.unique(np.r_[forced, 1000 + 100 * s + np.arange(20)])} for s in range(60)]
    prints.append({"cell": prints[0]["cell"].copy()})  # one real copy
    names = [f"s{i}" for i in range(61)]
    outcome = compare(prints, keys, DEFAULTS, names)
    assert [(p.student_a, p.student_b, p.score) for p in outcome.pairs] == [("s0", "s60", 1.0)]
    # with nothing common (a class of 8), the shared code alone is no copy either: 40 / 80
    small = compare(prints[:8], keys, DEFAULTS, names[:8])
    assert small.pairs == [] and max(score for score, _, _ in small.top) == pytest.approx(40 / 80)


# --- Files, settings, safety -----------------------------------------------------------------

HOSTILE = '''def normalize_images(x):
    note = "</script><script>alert('x')</script>"
    tag = '<img src=x onerror="alert(1)">'
    scaled = x.astype("float32") / 255.0
    checks = [note, tag, scaled.min(), scaled.max(), len(note) + len(tag)]
    return scaled'''


def test_files_have_the_columns_and_the_page_shows_student_code_as_text(tmp_path):
    students = {"mallory": {"normalize_images": HOSTILE},
                "eve<b>": {"normalize_images": HOSTILE.replace("scaled", "out")},
                "blank": {}}
    course = make_course(tmp_path, "mnist", students)
    outcome = similarity_report(course, "mnist")
    with open(course / "reports" / "mnist" / "similarity.csv", newline="") as out:
        rows = list(csv.reader(out))
    assert rows[0] == ["student_a", "student_b", "score", "cells"]
    assert rows[1:] == [["eve<b>", "mallory", "1.000", "normalize_images"]]
    assert outcome.csv == course / "reports" / "mnist" / "similarity.csv"
    page = (course / "reports" / "mnist" / "similarity.html").read_text()
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and "eve&lt;b&gt;" in page
    assert 'class="line match"' in page  # the matching statements are highlighted
    assert "http://" not in page and "https://" not in page  # self-contained


def test_rows_are_highest_first_with_scores_in_0_1(styles_class):
    _, _, outcome = styles_class
    with open(outcome.csv, newline="") as out:
        scores = [float(row["score"]) for row in csv.DictReader(out)]
    assert scores == sorted(scores, reverse=True) and all(0 <= score <= 1 for score in scores)


def test_threshold_is_read_from_nbgrader_config(tmp_path):
    answers = spec("mnist")
    students = {"master": masters("mnist"), "student_style": dict(answers.STUDENT_STYLE)}
    course = make_course(tmp_path, "mnist", students)
    assert course_settings(course).threshold == SimilarityReport.threshold.default_value == 0.8
    assert similarity_report(course, "mnist").pairs == []
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.SimilarityReport.threshold = 0.05\nc.SimilarityReport.min_matched = 1\n")
    settings = course_settings(course)
    assert (settings.threshold, settings.min_matched) == (0.05, 1)
    assert [(p.student_a, p.student_b) for p in similarity_report(course, "mnist").pairs] == [
        ("master", "student_style")]
    assert course_settings(course, threshold=0.5).threshold == 0.5  # the command line's --threshold


def test_a_flag_changes_no_grade_and_writes_only_its_two_files(tmp_path):
    pair = {"normalize_images": HOSTILE}
    course = make_course(tmp_path, "mnist", {"a": pair, "b": pair})
    (course / "gradebook.db").write_bytes(b"grades")
    (course / "reports" / "mnist").mkdir(parents=True)
    (course / "reports" / "mnist" / "results.csv").write_text("student,total\na,10\nb,10\n")
    (course / "autograded" / "a" / "mnist").mkdir(parents=True)
    (course / "autograded" / "a" / "mnist" / "mnist.ipynb").write_text("{}")

    def files():
        return {path.relative_to(course): path.read_bytes() for path in course.rglob("*") if path.is_file()}

    before = files()
    assert similarity_report(course, "mnist").pairs
    after = files()
    assert {path: data for path, data in after.items() if path in before} == before
    assert set(after) - set(before) == {Path("reports/mnist/similarity.csv"), Path("reports/mnist/similarity.html")}


def test_a_notebook_that_is_a_link_is_not_read(tmp_path):
    course = make_course(tmp_path, "mnist", {"honest": {"normalize_images": HOSTILE}})
    secret = tmp_path / "secret.ipynb"
    secret.write_text((course / "submitted" / "honest" / "mnist" / "mnist.ipynb").read_text())
    (course / "submitted" / "linker" / "mnist").mkdir(parents=True)
    (course / "submitted" / "linker" / "mnist" / "mnist.ipynb").symlink_to(secret)
    outcome = similarity_report(course, "mnist")
    assert outcome.pairs == [] and outcome.notes == {"linker": ["mnist.ipynb: missing"]}


def test_a_notebook_without_its_grade_ids_is_noted(tmp_path):
    course = make_course(tmp_path, "mnist", {"stripped": {"normalize_images": HOSTILE}})
    path = course / "submitted" / "stripped" / "mnist" / "mnist.ipynb"
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        cell["metadata"] = {}
    path.write_text(json.dumps(notebook))
    outcome = similarity_report(course, "mnist")
    assert outcome.notes == {"stripped": ["mnist.ipynb: no answer cell found by its grade id (metadata removed?)"]}


def test_command_writes_both_files_and_prints_the_count(tmp_path, capsys):
    pair = {"normalize_images": HOSTILE}
    course = make_course(tmp_path, "mnist", {"a": pair, "b": pair, "c": {}})
    assert main(["mnist", "--course", str(course)]) == 0
    out = capsys.readouterr().out
    assert "mnist: 1 pair(s) of 3 students at or above 0.8 in" in out
    assert (course / "reports" / "mnist" / "similarity.html").is_file()


def test_processes_read_the_class_as_one_process_does(tmp_path, monkeypatch):
    answers = spec("mnist")
    course = make_course(tmp_path, "mnist", {"master": masters("mnist"), "style": dict(answers.STUDENT_STYLE),
                                             "alt": dict(answers.ALTERNATIVE), "blank": {}})
    settings = course_settings(course)
    release = read_release(course, "mnist", settings)
    names = ["alt", "blank", "master", "style"]
    one = read_class(course, "mnist", release, names, settings, workers=1)
    monkeypatch.setattr(reading, "POOL_FROM", 2)
    two = read_class(course, "mnist", release, names, settings, workers=2)
    assert [s.cells for s in one[0]] == [s.cells for s in two[0]]
    assert [{k: v.tolist() for k, v in p.items()} for p in one[1]] == [{k: v.tolist() for k, v in p.items()} for p in two[1]]


def test_benchmark_finds_its_planted_copies_and_nothing_else():
    lines = []
    figures = benchmark(sizes=(40,), planted=3, workers=1, out=lines.append)
    assert figures[0]["found"] == figures[0]["planted"] == 3 and figures[0]["other_flags"] == 0, lines
    assert "40 students" in lines[0]
