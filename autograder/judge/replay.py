"""Verdicts replayed instead of computed, where the student's code answered exactly as before.

The judge is deterministic: what it asks the student's kernel, and the verdict it reaches,
depend only on the master's cells, the library versions, its settings and what the kernel
answered. So once a test cell has been judged, a later student whose kernel answers every
one of the same requests with the same outputs gets the same verdict, and the judge's own
work (rebuilding and training models, running the checks) can be skipped: the requests are
sent to the student's kernel as recorded, each answer is compared with the recorded one, and
the verdict is the recorded one. The student's code runs exactly as it would (the same
calls, in the same order, once each), so the kernel is in the same state afterwards.

The record is a trie kept in ``ReplayCache`` (a folder, shared by the workers of a class
run): a state is a hash of everything the judge has seen so far in the notebook (the cells
it ran, their order, every answer of the kernel), and names either the judge's next
request or the cell's verdict. The first answer that differs, or a state never met, ends
replaying for the rest of the notebook: the judge then catches up, running the cells it
skipped (locked cells, and test cells fed with the answers this student's kernel gave,
without asking it again), and goes on live, recording as it goes. A grade is therefore
the same with and without the cache (tests/test_replay.py grades classes both ways).

Graders of a run work side by side, often on the same answers at the same time (a class's
first students, all of whom return the baseline the text fixes). So a grader that computes
marks what it is working on, with locks the operating system drops if the grader dies: the
state whose next record it is computing (``computing``), and the state it has left without
knowing yet where it goes, while its student's kernel answers a request or runs the cells up
to the next test cell (``leaving``). A grader that finds no record where another is computing
it waits for that record instead of computing it too (``ReplayCache.record_or_claim``); one
that follows another that is leaving waits for it to arrive, which tells whether the two are
on the same path, rather than computing the whole notebook's verdicts again to catch up: it
waits no longer than catching up would take (each verdict records the judge's seconds).
Waiting changes no grade: a record that does not come (the other went elsewhere, died, or
took too long) is computed here.
"""

import fcntl
import functools
import hashlib
import importlib.metadata
import json
import os
import tempfile
import time
from pathlib import Path

from autograder.judge.verdicts import Check, Verdict

REPLAY_VERSION = "1"  # bumped when what a record holds changes
WAIT_LIMIT_S = 30  # the longest a grader waits for a record another grader is computing
LEAVING_WAIT_S = 2.0  # the least it waits for another to arrive (more where catching up takes longer)
POLL_S = 0.02  # how often a waiting grader looks again


def digest(*parts: str) -> str:
    """The hash of a state: its parts in order."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


@functools.cache
def code_salt() -> str:
    """What decides a verdict besides the notebook and the kernel's answers: the judge's and
    the course helpers' code, and the versions of the libraries it computes with."""
    import helpers

    folders = [Path(__file__).parent, Path(helpers.__file__).parent]
    sources = [path.read_text() for folder in folders for path in sorted(folder.glob("*.py"))]
    versions = [f"{name}=={_version(name)}" for name in ("keras", "tensorflow", "numpy", "scipy", "scikit-learn")]
    return digest(*versions, *sources)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def outputs_text(outputs: list) -> str:
    """A kernel's outputs as canonical text, for comparison."""
    return json.dumps(outputs, sort_keys=True, default=str)


class ReplayCache:
    """Records in ``folder``: state -> {"request": code} or {"verdict": ..., "seconds": the judge's}.
    Writes are atomic; two workers writing the same state write the same request or verdict
    (the judge is deterministic).
    Claims (``claim``, ``release``): what this grader is working on, as locks in ``locks/``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        (self.folder / "locks").mkdir(parents=True, exist_ok=True)
        self.hits = self.misses = 0
        self._claims: dict[str, int] = {}  # lock name -> open file holding it

    def get(self, state: str) -> dict | None:
        try:
            return json.loads((self.folder / state[:2] / state).read_text())
        except (OSError, ValueError):
            return None

    def put(self, state: str, record: dict) -> None:
        shelf = self.folder / state[:2]
        shelf.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=shelf, prefix=".tmp-")
        with os.fdopen(handle, "w") as out:
            json.dump(record, out)
        os.replace(temporary, shelf / state)

    def record_or_claim(self, state: str, came_from: str | None = None, patience: float = 0.0) -> dict | None:
        """The record of ``state``, waiting for it while another grader computes it; or None,
        with ``computing(state)`` claimed by this grader, which is to compute it.
        came_from: the state before (the request that led here, or the last cell's verdict):
        while another grader is leaving it, whether it comes here too is not known yet, and
        this grader waits for it at most ``patience`` seconds (LEAVING_WAIT_S at least)."""
        start = time.monotonic()
        while True:
            record = self.get(state)
            if record is not None:
                return record
            waited = time.monotonic() - start
            being_computed = waited < WAIT_LIMIT_S and self._busy(computing(state))
            may_come = (came_from is not None and waited < max(patience, LEAVING_WAIT_S)
                        and self._busy(leaving(came_from)))
            if being_computed or may_come:
                time.sleep(POLL_S)
                continue
            if self.claim(computing(state)) or waited >= WAIT_LIMIT_S:
                record = self.get(state)  # written between the look and the claim
                if record is not None:
                    self.release(computing(state))
                return record

    def claim(self, name: str) -> bool:
        """Mark ``name`` as this grader's work until ``release``; False where another grader
        holds it (both then compute, and record the same)."""
        if name in self._claims:
            return True
        handle = os.open(self.folder / "locks" / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            return False
        self._claims[name] = handle
        return True

    def release(self, name: str) -> None:
        handle = self._claims.pop(name, None)
        if handle is not None:
            os.close(handle)  # closing the file drops its lock

    def release_all(self) -> None:
        for name in list(self._claims):
            self.release(name)

    def _busy(self, name: str) -> bool:
        """Whether another grader holds ``name``."""
        if name in self._claims:
            return False
        try:
            handle = os.open(self.folder / "locks" / name, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except OSError:
            return True
        finally:
            os.close(handle)


def computing(state: str) -> str:
    """The claim of a grader computing the record of ``state``."""
    return f"{state}.computing"


def leaving(state: str) -> str:
    """The claim of a grader that has left ``state`` for a state it does not know yet: its
    student's kernel answers the request recorded there, or runs the cells after its verdict."""
    return f"{state}.leaving"


def verdict_record(verdict: Verdict) -> dict:
    return {"points": verdict.points, "answered": verdict.answered, "marker": verdict.marker,
            "checks": [vars(check).copy() for check in verdict.checks]}


def verdict_from(record: dict) -> Verdict:
    return Verdict(points=record["points"], checks=[Check(**check) for check in record["checks"]],
                   answered=record["answered"], marker=record["marker"])


class ReplayingJudge:
    """A ``Judge`` (judge/session.py) for one notebook that replays recorded verdicts while
    the student's kernel answers as recorded. ``kernel(code)`` runs code in the student's
    kernel and returns its outputs; ``make_judge(run_in_kernel)`` makes the judge that
    computes; ``salt``: what else decides a verdict (versions, settings)."""

    def __init__(self, make_judge, kernel, cache: ReplayCache, salt: str, log=None):
        self._kernel, self._cache, self._log = kernel, cache, log
        self._judge = make_judge(self._channel)
        self._state = digest(REPLAY_VERSION, salt)
        self._replaying = True
        self._pending: list[tuple] = []    # what the judge skipped: ("trusted", source) or ("cell", source, points, exchanges)
        self._served: list[tuple] = []     # (code, outputs) the channel hands the judge instead of asking the kernel
        self._recording: str | None = None  # the state a live cell records its next request under
        self._left: str | None = None  # the state of the last verdict
        self._catch_up_s = 0.0  # the judge's seconds for the cells replayed since it last computed

    def run_trusted(self, source: str) -> None:
        self._state = digest(self._state, "trusted", source)
        if self._replaying:
            self._pending.append(("trusted", source))
        else:
            self._judge.run_trusted(source)

    def judge_cell(self, source: str, points: float) -> Verdict:
        self._state = digest(self._state, "cell", source, repr(float(points)))
        if self._replaying:
            verdict, exchanges, seconds = self._replay()
            if verdict is not None:
                self._cache.hits += 1
                self._pending.append(("cell", source, points, exchanges))
                self._catch_up_s += seconds
                return verdict
            self._catch_up()
            self._served = list(exchanges)  # the answers this cell has had already: not asked again
        self._cache.misses += 1
        return self._judge_live(source, points)

    def _replay(self) -> tuple[Verdict | None, list, float]:
        """Follow the recorded requests while the kernel answers as recorded; the recorded
        verdict and the judge's seconds for it, or None and the (code, outputs) exchanged
        before the record ran out or differed."""
        state, came_from, exchanges = self._state, self._left, []
        while True:
            record = self._cache.record_or_claim(state, came_from, patience=self._catch_up_s)
            if record is None or "request" not in record and "verdict" not in record:
                return None, exchanges, 0.0
            if "verdict" in record:
                self._state = self._left = state
                return verdict_from(record["verdict"]), exchanges, record.get("seconds", 0.0)
            code = record["request"]
            outputs = self._kernel(code)
            exchanges.append((code, outputs))
            state, came_from = digest(state, code, outputs_text(outputs)), state

    def _catch_up(self) -> None:
        """Run what replaying skipped, feeding the skipped test cells the answers the kernel
        gave; from now on the judge computes (and records)."""
        self._replaying = False
        for action in self._pending:
            if action[0] == "trusted":
                self._judge.run_trusted(action[1])
            else:
                _, source, points, exchanges = action
                self._served = list(exchanges)
                self._judge.judge_cell(source, points)
                self._check_served(source)
        self._pending, self._catch_up_s = [], 0.0

    def _judge_live(self, source: str, points: float) -> Verdict:
        self._recording = self._state
        self._cache.claim(computing(self._state))
        if self._left is not None:
            self._cache.release(leaving(self._left))
        try:
            start = time.monotonic()
            verdict = self._judge.judge_cell(source, points)
            self._check_served(source)
            self._state = self._left = self._recording
            self._cache.claim(leaving(self._state))  # until the next test cell: others may follow
            self._cache.put(self._state, {"verdict": verdict_record(verdict), "seconds": time.monotonic() - start})
            self._cache.release(computing(self._state))
        except BaseException:
            self._cache.release_all()
            raise
        finally:
            self._recording = None
        return verdict

    def _check_served(self, source: str) -> None:
        if self._served and self._log:  # never met in practice: the judge asked less than before
            self._log.warning("Replay: the judge asked fewer requests than recorded in %s", source.splitlines()[0][:60])
        self._served = []

    def _channel(self, code: str) -> list:
        """The judge's way into the student's kernel: served from what the kernel answered
        already where the judge asks it again, else asked now (and recorded when live)."""
        recording = self._recording
        if recording is not None:  # recorded before the kernel answers: others' kernels can start on it
            self._cache.claim(leaving(recording))
            self._cache.put(recording, {"request": code})
            self._cache.release(computing(recording))
        if self._served:
            served_code, outputs = self._served.pop(0)
            if served_code != code:  # never met in practice: the judge is deterministic
                if self._log:
                    self._log.warning("Replay: the judge asked something else than recorded; asking the kernel")
                self._served = []
                outputs = self._kernel(code)
        else:
            outputs = self._kernel(code)
        if recording is not None:
            self._recording = digest(recording, code, outputs_text(outputs))
            self._cache.claim(computing(self._recording))
            self._cache.release(leaving(recording))
        return outputs
