"""Recorded verdicts replayed (autograder/judge/replay.py): the same verdicts, the student's
code called exactly as without the cache, the judge's own work skipped only where every
answer of the kernel matched. Here with a deterministic stand-in for the judge and a
kernel whose answers are a student's; the same class graded with and without the cache,
through nbgrader, is in test_grade_class.py."""

import subprocess
import sys
import threading

from autograder.judge import replay
from autograder.judge.replay import ReplayCache, ReplayingJudge, computing, digest, leaving
from autograder.judge.verdicts import Check, Verdict

NOTEBOOK = [("trusted", "import numpy as np"), ("cell", "test_a", 2.0), ("trusted", "helper = 1"),
            ("cell", "test_b", 3.0), ("cell", "test_c", 1.0)]


class Kernel:
    """A student's kernel: the answer to each question, and every call it ran."""

    def __init__(self, answers: dict[str, str]):
        self.answers, self.calls = answers, []

    def __call__(self, code: str) -> list:
        self.calls.append(code)
        return [{"output_type": "display_data", "data": {"text/plain": self.answers.get(code, "?")}}]


class StandInJudge:
    """Deterministic like the real judge: its requests and verdict depend on the cells it ran
    before, in order, and on the answers; it counts the work it does."""

    def __init__(self, run_in_kernel):
        self.run_in_kernel, self.seen, self.work = run_in_kernel, [], 0

    def run_trusted(self, source):
        self.seen.append(source)

    def judge_cell(self, source, points):
        self.work += 1
        first = self.run_in_kernel(f"{source}: first")[0]["data"]["text/plain"]
        # a second question that depends on the first answer and on what ran before
        second = self.run_in_kernel(f"{source}: then {first} after {len(self.seen)}")[0]["data"]["text/plain"]
        self.seen.append(source)
        right = first == "right" and second == "right"
        return Verdict(points, [Check(False, source, None if right else f"got {first}/{second}")], answered=True)


def grade(notebook, kernel, cache=None):
    """The verdicts of a notebook, and the judge that computed them."""
    judges = []

    def make_judge(run):
        judges.append(StandInJudge(run))
        return judges[-1]

    judge = ReplayingJudge(make_judge, kernel, cache, salt="s") if cache else make_judge(kernel)
    verdicts = []
    for action in notebook:
        if action[0] == "trusted":
            judge.run_trusted(action[1])
        else:
            verdicts.append(judge.judge_cell(action[1], action[2]))
    return [(v.score, [(c.label, c.message) for c in v.checks]) for v in verdicts], judges[0]


def answers(wrong: set[str] = frozenset()):
    """A student whose answers are right but for the questions of the cells in ``wrong``."""
    right = {}
    for seen, cell in ((1, "test_a"), (2, "test_b"), (3, "test_c")):
        right[f"{cell}: first"] = "wrong" if cell in wrong else "right"
        right[f"{cell}: then {right[f'{cell}: first']} after {seen}"] = "right"
    return right


def test_an_identical_student_gets_the_recorded_verdicts_without_the_judges_work(tmp_path):
    cache, plain_kernel, kernel = ReplayCache(tmp_path), Kernel(answers()), Kernel(answers())
    plain, _ = grade(NOTEBOOK, plain_kernel)
    first, first_judge = grade(NOTEBOOK, Kernel(answers()), cache)
    second, second_judge = grade(NOTEBOOK, kernel, cache)
    assert plain == first == second
    assert first_judge.work == 3 and second_judge.work == 0  # every cell replayed
    assert kernel.calls == plain_kernel.calls and len(kernel.calls) == 6  # the student's code runs as without the cache
    assert (cache.hits, cache.misses) == (3, 3)


def test_a_student_who_differs_from_a_cell_on_gets_what_the_judge_computes(tmp_path):
    cache = ReplayCache(tmp_path)
    grade(NOTEBOOK, Kernel(answers()), cache)
    for wrong in ({"test_b"}, {"test_a"}, {"test_c"}, {"test_a", "test_c"}):
        student = answers(wrong)
        plain_kernel, cached_kernel = Kernel(student), Kernel(student)
        plain, _ = grade(NOTEBOOK, plain_kernel, None)
        cached, judge = grade(NOTEBOOK, cached_kernel, cache)
        assert cached == plain, wrong
        assert cached_kernel.calls == plain_kernel.calls, wrong  # the same calls, in order, none twice
        assert judge.seen == ["import numpy as np", "test_a", "helper = 1", "test_b", "test_c"], wrong  # caught up in order
    again = Kernel(answers({"test_a", "test_c"}))
    assert grade(NOTEBOOK, again, cache)[1].work == 0  # the second such student: all replayed


def test_what_is_recorded_is_the_verdict_before_hints_change_it(tmp_path):
    cache = ReplayCache(tmp_path)
    student = answers({"test_b"})
    graded, _ = grade(NOTEBOOK, Kernel(student), cache)
    judge = ReplayingJudge(StandInJudge, Kernel(student), cache, salt="s")
    judge.run_trusted("import numpy as np")
    judge.judge_cell("test_a", 2.0).checks[0].message = "changed after the verdict (a hint)"
    replayed, _ = grade(NOTEBOOK, Kernel(student), cache)
    assert replayed == graded


def test_another_salt_replays_nothing(tmp_path):
    cache = ReplayCache(tmp_path)
    grade(NOTEBOOK, Kernel(answers()), cache)
    judge = ReplayingJudge(StandInJudge, Kernel(answers()), cache, salt="other keras")
    judge.run_trusted("import numpy as np")
    judge.judge_cell("test_a", 2.0)
    assert cache.hits == 0


# Graders side by side: one waits for what another is computing instead of computing it too.

class GatedJudge(StandInJudge):
    """A stand-in judge that, once its student's kernel has answered its first request, holds
    until ``gate`` opens, as a judge training a model would."""

    def __init__(self, run_in_kernel, gate: threading.Event, holding: threading.Event):
        def run_then_hold(code):
            outputs = run_in_kernel(code)
            if not holding.is_set():
                holding.set()
                assert gate.wait(30)
            return outputs

        super().__init__(run_then_hold)


def grade_in_thread(notebook, kernel, cache, make_judge):
    """Grade in a thread of its own, as a worker of a class run does; (thread, its outcome)."""
    outcome = {}

    def work():
        judge = ReplayingJudge(lambda run: outcome.setdefault("judge", make_judge(run)), kernel, cache, salt="s")
        outcome["verdicts"] = [judge.judge_cell(a[1], a[2]) if a[0] == "cell" else judge.run_trusted(a[1])
                               for a in notebook]

    thread = threading.Thread(target=work)
    thread.start()
    return thread, outcome


def scores(outcome):
    return [(v.score, [(c.label, c.message) for c in v.checks]) for v in outcome["verdicts"] if v is not None]


def test_a_grader_waits_for_the_verdict_another_is_computing_instead_of_computing_it(tmp_path):
    gate, holding = threading.Event(), threading.Event()
    first_thread, first = grade_in_thread(NOTEBOOK, Kernel(answers()), ReplayCache(tmp_path),
                                          lambda run: GatedJudge(run, gate, holding))
    assert holding.wait(30)  # the first grader computes test_a, its kernel's first answer in hand
    kernel = Kernel(answers())
    second_thread, second = grade_in_thread(NOTEBOOK, kernel, ReplayCache(tmp_path), StandInJudge)
    second_thread.join(0.5)
    assert second_thread.is_alive() and kernel.calls == ["test_a: first"]  # the same answer: waiting, not computing
    gate.set()
    first_thread.join(30), second_thread.join(30)
    plain, _ = grade(NOTEBOOK, Kernel(answers()))
    assert scores(first) == scores(second) == plain
    assert first["judge"].work == 3 and second["judge"].work == 0  # computed once, replayed by the other
    assert len(kernel.calls) == 6  # the student's code ran as without the cache


def test_a_grader_whose_student_answers_otherwise_does_not_wait(tmp_path):
    gate, holding = threading.Event(), threading.Event()
    first_thread, _ = grade_in_thread(NOTEBOOK, Kernel(answers()), ReplayCache(tmp_path),
                                      lambda run: GatedJudge(run, gate, holding))
    assert holding.wait(30)
    student = answers({"test_a"})
    second_thread, second = grade_in_thread(NOTEBOOK, Kernel(student), ReplayCache(tmp_path), StandInJudge)
    second_thread.join(30)
    assert not second_thread.is_alive()  # done while the first grader still computes
    gate.set(), first_thread.join(30)
    assert scores(second) == grade(NOTEBOOK, Kernel(student))[0]
    assert second["judge"].work == 3  # test_a answered otherwise: computed from there on


def test_a_grader_whose_claim_dies_with_it_is_not_waited_for(tmp_path):
    cache = ReplayCache(tmp_path)
    entry = digest(ReplayingJudge(StandInJudge, Kernel({}), cache, salt="s")._state, "trusted", "import numpy as np")
    claimed = tmp_path / "locks" / computing(digest(entry, "cell", "test_a", "2.0"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(claimed)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    thread, outcome = grade_in_thread(NOTEBOOK, Kernel(answers()), cache, StandInJudge)
    thread.join(0.5)
    assert thread.is_alive() and "judge" in outcome and outcome["judge"].work == 0  # waiting for the claim
    holder.kill(), holder.wait()
    thread.join(30)
    assert not thread.is_alive() and outcome["judge"].work == 3  # its grader died: computed here
    assert scores(outcome) == grade(NOTEBOOK, Kernel(answers()))[0]


HOLD_LOCK = """import fcntl, os, sys, time
handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)"""


def test_a_grader_waits_for_another_to_arrive_no_longer_than_catching_up_would_take(tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "LEAVING_WAIT_S", 0.5)
    leader = ReplayingJudge(StandInJudge, Kernel(answers()), ReplayCache(tmp_path), salt="s")
    leader.run_trusted("import numpy as np")
    leader.judge_cell("test_a", 2.0)  # and it keeps its claim: its student's cells run for minutes
    thread, outcome = grade_in_thread(NOTEBOOK, Kernel(answers()), ReplayCache(tmp_path), StandInJudge)
    thread.join(10)  # not WAIT_LIMIT_S: test_a's verdict took the judge no time to compute
    assert not thread.is_alive() and outcome["judge"].work == 3
    assert scores(outcome) == grade(NOTEBOOK, Kernel(answers()))[0]
