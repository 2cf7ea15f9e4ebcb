"""Benchmarks that print figures (not tests): grading speed of one submission and of a class.

    python -m autograder.benchmark submission mnist [--full-data ../shared/data]
    python -m autograder.benchmark class [mnist ...] [--sizes 2 6] [--arms nbgrader workers=1 ...]
    python -m autograder.benchmark coordinator [mnist] [--students 300]
    python -m autograder.benchmark load [--hogs-per-core 2]
    python -m autograder.benchmark similarity [mnist] [--sizes 100 300 1000]
    python -m autograder.benchmark notebooks [mnist ...] [--full-data ../shared/data] [--estimate]

``submission``: wall time of ``nbgrader autograde`` for one full-solution submission
(nbgrader and kernel start included) in a fresh course copy; with ``--full-data``, also
the master notebook executed in a student's normal mode (full budgets) on the full data
from that folder, and the ratio of the two.
``class``: the same class of N full solutions graded, with feedback and a grades CSV, by
plain ``nbgrader`` (its commands one after another, the course's config) and by the class
command with 1 and 2 local workers and on a 2-process Dask LocalCluster, side by side in
one run: seconds per class size, per submission and fixed, and the speed-up over nbgrader
(and 2 workers with every verdict computed, ``--no-replay``).
``coordinator``: the class command's own serial share at scale, without grading the class:
one full solution is graded, its result is saved for N students one after another (what
the coordinator does as each student finishes: gradebook merge, notebooks, feedback pages,
state file), then the class command runs on the course with nothing left to grade
(release, export, report); seconds per save at the start and at the end, and the rest.
``load``: a real-sized MNIST submission, whose own experiment loops ignore ``budget``
(cells of about a minute), graded on the idle machine and again with CPU-bound processes
on every core: scores, status, wall time and the processor time of its heavy cells.
``notebooks``: Restart & Run All of each solved notebook in a student's normal mode, on the reduced
data (an offline student) or the full data: minutes, slowest cells, stderr outputs; with
``--estimate``, every fit trains one epoch and the whole is extrapolated (minutes instead
of hours, an upper bound).
"""

import argparse
import ast
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from autograder.notebook.assignment import REPO, assignment_names, load_assignment
from autograder.coordinator.course import copy_course, db_url, submit
from autograder.worker.grade import Job, grade, read_submission
from autograder.coordinator.class_run import ClassRun, grade_class
from autograder.gradebook import cell_scores
from autograder.worker.nbgrader_cli import run_nbgrader
from autograder.settings import DB_URL_ENV
from autograder.similarity import benchmark as similarity_benchmark
from autograder.notebook.source import cell_name
from autograder.notebook.submissions import solved_assignment
from helpers.budget import GRADING_ENV
from helpers.data import DATA_DIR_ENV, REDUCED_DIR


def time_one_submission(assignment: str) -> float:
    """Seconds to autograde one full-solution submission in a fresh course copy."""
    facts = load_assignment(assignment)
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch), [assignment])
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        submit(course, "benchmark", assignment, solved_assignment(facts))
        start = time.perf_counter()
        run_nbgrader(course, "autograde", assignment, "--force")
        seconds = time.perf_counter() - start
        expected = facts.max_points
        got = sum(v for k, v in cell_scores(db_url(course), assignment, "benchmark").items() if k in facts.points)
        if got != expected:
            raise RuntimeError(f"the full solution scored {got} of {expected}: fix that before timing")
        return seconds


# Prepended to a notebook by ``--estimate``: every fit trains one epoch, and the epochs it
# was asked for and the seconds that one took are recorded.
CAP_FITS = """import time as __time, keras as __keras
__fit, __fits = __keras.Model.fit, []
def __one_epoch_fit(self, *args, epochs=1, **kwargs):
    start = __time.perf_counter()
    history = __fit(self, *args, epochs=1, **kwargs)
    # while cell N runs, IPython's count is already N + 1
    __fits.append((get_ipython().execution_count - 1, epochs, __time.perf_counter() - start))
    return history
__keras.Model.fit = __one_epoch_fit"""
REPORT_FITS = "print('FITS', __fits)"


def cell_seconds(cell) -> float:
    """Wall time of an executed cell, from the timing nbclient records."""
    timing = cell.metadata.get("execution", {})
    began, ended = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (began and ended):
        return 0.0
    return (datetime.fromisoformat(ended.replace("Z", "+00:00"))
            - datetime.fromisoformat(began.replace("Z", "+00:00"))).total_seconds()


def run_normal_mode(assignment: str, data_dir: Path, estimate: bool = False, fit_scale: float = 1.0,
                    kernel: str = "", save: Path | None = None, cell_timeout: int = 7200) -> dict:
    """Restart & Run All of every notebook of ``assignment`` as a student would: the release
    with the master's answers, normal budgets, on the Keras-layout files in ``data_dir``.

    Returns {notebook: {"seconds", "slowest": [(seconds, first line)], "stderr": number of
    stderr outputs}}. With ``estimate``, every fit trains one epoch and the time of the
    whole is extrapolated: each fit counts (epochs asked) x (its one epoch) x ``fit_scale``
    (say 10 where ``data_dir`` holds a tenth of the real training set); a fit stopped early
    counts every epoch it was allowed, so the estimate is an upper bound. ``kernel``: a
    kernel to use instead of the one the notebooks name (the course kernel). ``save``: a
    folder to write the executed notebooks to (their numbers are what the text quotes).
    """
    os.environ[DATA_DIR_ENV] = str(data_dir.resolve())
    os.environ.pop(GRADING_ENV, None)
    figures = {}
    for name, notebook in solved_assignment(load_assignment(assignment)).items():  # the release, answered
        if estimate:
            notebook.cells.insert(0, new_code_cell(CAP_FITS))
            notebook.cells.append(new_code_cell(REPORT_FITS))
        start = time.perf_counter()
        NotebookClient(notebook, timeout=cell_timeout, kernel_name=kernel,
                       resources={"metadata": {"path": str(REPO / "source" / assignment)}}).execute()
        seconds = time.perf_counter() - start
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        failed = [cell_name(cell, index) for index, cell in enumerate(notebook.cells)
                  if any(o.output_type == "error" for o in cell.get("outputs", []))]
        if failed:
            raise RuntimeError(f"{name}: cells failed in normal mode: {failed}")
        extra = {}  # execution count -> seconds the capped fits of that cell would have added
        if estimate:
            for count, epochs, one in ast.literal_eval(notebook.cells.pop().outputs[0].text.removeprefix("FITS ")):
                extra[count] = extra.get(count, 0.0) + one * (fit_scale * epochs - 1)
            notebook.cells.pop(0)
            code = code[1:-1]
            seconds += sum(extra.values())
        slowest = sorted(((cell_seconds(cell) + extra.get(cell.execution_count, 0.0), cell.source.splitlines()[0][:60])
                          for cell in code if cell.source.strip()), reverse=True)[:5]
        stderr = sum(output.get("name") == "stderr" for cell in code for output in cell.outputs)
        if save:
            save.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, save / name)
        figures[name] = {"seconds": seconds, "slowest": slowest, "stderr": stderr}
    return figures


ARMS = ("nbgrader", "workers=1", "workers=2", "workers=2-computed", "dask=2")


def time_class(assignment: str, size: int, arm: str) -> float:
    """Seconds to grade ``size`` full-solution submissions, with feedback and grades CSV, by
    one of ``ARMS``: plain nbgrader (generate_assignment, autograde, generate_feedback and
    export, one after another, with the course's config: the same sandbox and judge), or
    the class command with 1 or 2 local workers, or on a Dask LocalCluster of 2 processes;
    "-computed": with every verdict computed (``--no-replay``, judge/replay.py)."""
    solution = solved_assignment(load_assignment(assignment))
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch), [assignment])
        for index in range(size):
            submit(course, f"student{index:03d}", assignment, solution)
        start = time.perf_counter()
        if arm == "nbgrader":
            for command in ("generate_assignment", "autograde", "generate_feedback"):
                run_nbgrader(course, command, assignment, "--force")
            run_nbgrader(course, "export")
        else:
            kind, setting = arm.split("=")
            workers, _, mode = setting.partition("-")
            grade_class(course, assignment, workers=int(workers), scheduler="local" if kind == "dask" else None,
                        replay=mode != "computed", progress=_fixed_costs_of(arm))
        seconds = time.perf_counter() - start
        scores = [sum(v for k, v in cell_scores(db_url(course), assignment, f"student{index:03d}").items()
                      if k in load_assignment(assignment).points) for index in range(size)]
        if any(score != load_assignment(assignment).max_points for score in scores):
            raise RuntimeError(f"{arm}: the full solutions scored {scores}: fix that before timing")
        return seconds


def time_coordinator(assignment: str, students: int) -> None:
    """Print the coordinator's seconds per saved result over a class of ``students`` (see the
    module's docstring), and its fixed costs once they are all in the gradebook."""
    facts = load_assignment(assignment)
    solution = solved_assignment(facts)
    with tempfile.TemporaryDirectory() as scratch:
        course = copy_course(Path(scratch) / "course", [assignment])
        template = copy_course(Path(scratch) / "template", [assignment])
        run_nbgrader(course, "generate_assignment", assignment, "--force")
        run_nbgrader(template, "generate_assignment", assignment, "--force", private=True)
        names = [f"student{index:04d}" for index in range(students)]
        submit(course, names[0], assignment, solution)
        result = grade(Job(facts, names[0], template, read_submission(course / "submitted" / names[0] / assignment)[0]))
        if result.status != "graded" or not result.feedback:
            raise RuntimeError(f"the full solution: {result.status} {result.reason}: fix that before timing")
        state, reports, seconds = {}, course / "reports" / assignment, []
        reports.mkdir(parents=True)
        run = ClassRun(course, facts, state, reports)
        for name in names:
            submit(course, name, assignment, solution)
            start = time.perf_counter()
            run.save(replace(result, student=name))
            seconds.append(time.perf_counter() - start)
        block = max(1, students // 10)
        print(f"{assignment}: saving one result: {sum(seconds[:block]) / block * 1000:.0f} ms for the first "
              f"{block} students, {sum(seconds[-block:]) / block * 1000:.0f} ms for the last {block} "
              f"(class of {students}; {sum(seconds):.1f} s in all)", flush=True)
        grade_class(course, assignment, progress=_fixed_costs_of(f"{assignment}, {students} students graded"))


def _fixed_costs_of(arm: str):
    """A progress callback that prints only the class command's line of fixed costs."""
    def progress(line: str) -> None:
        if line.startswith("besides grading"):
            print(f"    {arm}: {line}", flush=True)
    return progress


def class_table(assignment: str, sizes: list[int], arms: list[str], repeats: int) -> None:
    """Print each arm's time per class size, its per-submission and fixed costs (a line
    through the sizes' medians) and its speed-up over plain nbgrader. The arms run in turn,
    round after round, so that a change in the machine's load touches them all alike."""
    times = {(arm, size): [] for arm in arms for size in sizes}
    for _ in range(repeats):
        for size in sizes:
            for arm in arms:
                seconds = time_class(assignment, size, arm)
                times[arm, size].append(seconds)
                print(f"  {assignment}: {arm:<10} {size:3d} submissions: {seconds:7.1f} s", flush=True)
    median = {key: sorted(values)[len(values) // 2] for key, values in times.items()}
    print(f"{assignment}: arm, then median seconds per class size {sizes}; per submission; fixed; "
          f"speed-up over nbgrader at {sizes[-1]}")
    for arm in arms:
        low, high = median[arm, sizes[0]], median[arm, sizes[-1]]
        per = (high - low) / (sizes[-1] - sizes[0]) if len(sizes) > 1 else high / sizes[0]
        fixed = low - per * sizes[0]
        base = median.get(("nbgrader", sizes[-1]))
        speed = f"{base / high:.2f}x" if base else "-"
        print(f"{assignment}: {arm:<10} " + "  ".join(f"{median[arm, size]:7.1f}" for size in sizes)
              + f"   {per:6.1f} s/submission   {fixed:6.1f} s fixed   {speed}", flush=True)


# A student's own experiments, written without budget(): the cells of the MNIST release
# that start with the key are replaced by these.
EXPERIMENTS = {
    "EPOCHS = budget(20, grading=1)": """\
import tensorflow as tf
results = {}
for label, make in [("SGD lr=0.1", lambda: tf.keras.optimizers.SGD(learning_rate=0.1)),
                    ("SGD lr=0.01", lambda: tf.keras.optimizers.SGD(learning_rate=0.01)),
                    ("Adam", lambda: tf.keras.optimizers.Adam())]:
    seed_everything(0)
    model = build_baseline()
    model.compile(optimizer=make(), loss="mean_squared_error", metrics=["accuracy"])
    results[label] = model.fit(x_train, y_train_1h, epochs=12, batch_size=32,
                               validation_data=(x_test, y_test_1h), verbose=0).history
    print(label, results[label]["val_accuracy"][-1])
plot_runs(list(results.values()), metric="loss", labels=list(results), title="my optimizers")
""",
    "WIDTHS = budget(": """\
WIDTHS = [8, 32, 128, 512]
train_scores, test_scores = [], []
for w in WIDTHS:
    tr, te = [], []
    for run in range(3):
        seed_everything(run)
        m = build_classifier(w)
        h = m.fit(x_train, y_train, epochs=8, validation_data=(x_test, y_test), verbose=0)
        tr.append(h.history["accuracy"][-1]); te.append(h.history["val_accuracy"][-1])
    train_scores.append(tr); test_scores.append(te)
    print(w, sum(te) / len(te))
width_results = {"train": np.array(train_scores), "test": np.array(test_scores)}
plot_sweep(WIDTHS, width_results, xlabel="Hidden units", log_x=True, title="width sweep")
""",
}


def experimenter(assignment) -> dict:
    """The MNIST full solution with the student's own experiment loops (EXPERIMENTS)."""
    notebooks = solved_assignment(assignment)
    for notebook in notebooks.values():
        for cell in notebook.cells:
            for start, source in EXPERIMENTS.items():
                if cell.cell_type == "code" and cell.source.startswith(start):
                    cell.source = source
    return notebooks


def _hog() -> None:
    while True:
        pass


def grade_loaded(assignment, notebooks: dict, hogs: int) -> tuple[dict, float]:
    """Grade one submission with ``hogs`` CPU-bound processes running; returns its report
    row and the seconds it took."""
    load = [multiprocessing.Process(target=_hog, daemon=True) for _ in range(hogs)]
    for process in load:
        process.start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            course = copy_course(Path(scratch), [assignment.name])
            submit(course, "experimenter", assignment.name, notebooks)
            start = time.perf_counter()
            [row] = grade_class(course, assignment.name, progress=lambda line: None)
            seconds = time.perf_counter() - start
            log = (course / "reports" / assignment.name / "logs" / "experimenter.log").read_text()
            row["cells"] = re.findall(r"Cell (\S+) used (\d+) s of processor time", log)
            return row, seconds
    finally:
        for process in load:
            process.kill()


def main(argv=None) -> None:
    os.environ.pop(DB_URL_ENV, None)  # throwaway courses: never the real course's server gradebook
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("submission", help="time one submission (and normal mode)")
    one.add_argument("assignments", nargs="*")
    one.add_argument("--full-data", type=Path, help="folder of full Keras-layout .npz files")
    many = commands.add_parser("class", help="plain nbgrader vs the class command, side by side")
    many.add_argument("assignments", nargs="*")
    many.add_argument("--sizes", type=int, nargs="+", default=[2, 6])
    many.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    many.add_argument("--repeats", type=int, default=1)
    serial = commands.add_parser("coordinator", help="the class command's serial share at scale")
    serial.add_argument("assignments", nargs="*", default=["mnist"])
    serial.add_argument("--students", type=int, default=300)
    similar = commands.add_parser("similarity", help="the similarity report on synthetic classes")
    similar.add_argument("assignment", nargs="?", default="mnist")
    similar.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    loaded = commands.add_parser("load", help="one real-sized submission, idle and loaded")
    loaded.add_argument("--hogs-per-core", type=int, default=2)
    normal = commands.add_parser("notebooks", help="Restart & Run All of the solved notebooks in normal mode")
    normal.add_argument("assignments", nargs="*")
    normal.add_argument("--full-data", type=Path, help="folder of full Keras-layout .npz files "
                        "(default: the reduced subsets, what an offline student gets)")
    normal.add_argument("--estimate", action="store_true", help="train one epoch per fit and extrapolate")
    normal.add_argument("--fit-scale", nargs="*", default=[], metavar="ASSIGNMENT=FACTOR",
                        help="with --estimate: fits of ASSIGNMENT count FACTOR times, e.g. cifar10=10 "
                        "where the folder holds a tenth of the real training set")
    normal.add_argument("--kernel", default="", help="run in this kernel instead of the course kernel")
    normal.add_argument("--save", type=Path, help="write the executed notebooks into this folder")
    args = parser.parse_args(argv)
    if args.command == "similarity":
        similarity_benchmark(args.sizes, args.assignment)
        return
    if args.command == "notebooks":
        scales = {name: float(factor) for name, factor in (item.split("=") for item in args.fit_scale)}
        with tempfile.TemporaryDirectory() as reduced:
            for path in REDUCED_DIR.glob("*.npz"):
                shutil.copy(path, reduced)
            data = args.full_data or Path(reduced)
            for assignment in args.assignments or assignment_names():
                figures = run_normal_mode(assignment, data, args.estimate, scales.get(assignment, 1.0),
                                          args.kernel, args.save)
                for name, row in figures.items():
                    slowest = "; ".join(f"{seconds:.0f} s {line!r}" for seconds, line in row["slowest"])
                    print(f"{assignment}/{name}, {'full' if args.full_data else 'reduced'} data: "
                          f"{'estimated ' if args.estimate else ''}{row['seconds'] / 60:.1f} min, "
                          f"{row['stderr']} stderr outputs; slowest cells: {slowest}", flush=True)
        return
    if args.command == "coordinator":
        for assignment in args.assignments:
            time_coordinator(assignment, args.students)
        return
    if args.command == "load":
        mnist = load_assignment("mnist")
        notebooks = experimenter(mnist)
        for hogs in (0, args.hogs_per_core * os.cpu_count()):
            row, seconds = grade_loaded(mnist, notebooks, hogs)
            cells = ", ".join(f"{index}: {cpu} s" for index, cpu in row["cells"])
            print(f"{hogs} CPU-bound processes: {row['status']}, {sum(row['scores'].values()):g} of {mnist.max_points} "
                  f"points in {seconds:.0f} s; heavy cells' processor time: {cells}", flush=True)
            print(f"    scores: {row['scores']}", flush=True)
        return
    if args.command == "submission":
        for assignment in args.assignments or assignment_names():
            graded = time_one_submission(assignment)
            print(f"{assignment}: autograde one full solution: {graded:.1f} s", flush=True)
            if args.full_data:
                normal = sum(row["seconds"] for row in run_normal_mode(assignment, args.full_data).values())
                print(f"{assignment}: master in normal mode on full data: {normal:.1f} s "
                      f"({normal / graded:.1f}x the grading time)", flush=True)
    else:
        for assignment in args.assignments or assignment_names():
            class_table(assignment, args.sizes, args.arms, args.repeats)

if __name__ == "__main__":
    main()
