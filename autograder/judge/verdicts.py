"""A test cell's verdict: its checks, what each weighs, and the score and outputs nbgrader reads.

A test cell's checks are its top-level statements that check something: ``assert``
statements and calls of ``assert_*`` / ``check_*`` functions (a block holding them counts
once; a ``for`` loop counts by its cases: each check of its body once per item). Each
weighs 1, or what a ``# weight: N`` comment on its first line says; a ``# format`` comment
marks a check of type, shape, dtype or keys, which pays only once a check of the concept
passed. Every check runs, also after one has failed (``CellRun``), and the cell scores its
points times the weight of the checks that pay over the weight of all; a cell in which no
call of the student's code returned scores nothing (a blank answer). docs/authoring.md has
the rule by which a master's checks are weighed. The cell's output lists each check, passed
or failed, with its share of the points and its message; hidden checks are shown by number,
never by their source. What a test cell prints is not shown.
"""

import ast
import sys
from dataclasses import dataclass, field

from nbformat.notebooknode import NotebookNode

from autograder.judge.errors import StudentError
from autograder.markers import CHECK_PREFIXES, CHECKS_MIME, FORMAT, WEIGHT


@dataclass
class Check:
    hidden: bool
    label: str
    message: str | None = None  # None when it passed
    weight: float = 1.0
    format: bool = False        # a type, shape, dtype or keys check: pays only beside a passed concept check
    line: int = 0               # its first line in the test cell, from 1 (a loop's cases share theirs)

    @property
    def passed(self) -> bool:
        return self.message is None


@dataclass
class Verdict:
    points: float
    checks: list[Check] = field(default_factory=list)
    answered: bool = False      # some call of the student's code returned
    marker: str | None = None   # a time limit or dead kernel met on the way

    @property
    def format_pays(self) -> bool:
        """Format checks earn their weight once some check of the concept passed (or where a
        cell has only format checks): a stub of the right shape earns nothing."""
        concept = [check for check in self.checks if not check.format]
        return not concept or any(check.passed and check.weight > 0 for check in concept)

    @property
    def score(self) -> float:
        if not self.answered or not self.checks:
            return 0.0
        paying = [check for check in self.checks if check.passed and (self.format_pays or not check.format)]
        return round(self.points * sum(check.weight for check in paying) / self.total_weight, 2)

    @property
    def total_weight(self) -> float:
        return sum(check.weight for check in self.checks) or 1.0

    def checks_record(self) -> NotebookNode:
        """Every check as data, in source order (loop cases in turn): for the class report's
        item analysis, which reads it from the autograded notebook. Hidden checks carry their
        line number, never their source."""
        share = self.points / self.total_weight
        record = [{"check": number, "line": check.line, "hidden": check.hidden, "format": check.format,
                   "weight": check.weight, "points": round(share * check.weight, 4), "passed": check.passed,
                   "message": check.message} for number, check in enumerate(self.checks, start=1)]
        return NotebookNode(output_type="display_data", metadata={}, data={CHECKS_MIME: record})

    def outputs(self) -> list[NotebookNode]:
        """The test cell's outputs, as nbgrader scores them: full points with no error, a
        partial score as the cell's result, zero as an error; the checks' record last."""
        return [*self._scored_outputs(), self.checks_record()]

    def _scored_outputs(self) -> list[NotebookNode]:
        passed = sum(c.passed for c in self.checks)
        lines = [f"{passed} of {len(self.checks)} checks passed: {self.score:g} of {self.points:g} points"]
        hidden = 0
        for check in self.checks:
            if check.hidden:
                hidden += 1
            label = f"hidden check {hidden}" if check.hidden else check.label
            share = self.points * check.weight / self.total_weight
            kind = ", format" if check.format else ""
            lines.append(f"  {'passed' if check.passed else 'FAILED'}  ({share:.2f} pt{kind})  {label}")
            if not check.passed:
                lines.extend(f"          {line}" for line in check.message.splitlines())
        if not self.answered and self.checks:
            lines.append("  No call of your code in this cell returned a value, so it scores 0.")
        elif not self.format_pays and any(c.passed and c.format for c in self.checks):
            lines.append("  The format checks (type, shape, dtype) earn their points once a check of what "
                         "your code computes passes.")
        outputs = [NotebookNode(output_type="stream", name="stdout", text="\n".join(lines) + "\n")]
        if self.score >= self.points:
            return outputs
        if self.score > 0:  # nbgrader reads the first result or error: the score comes first
            outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                        data={"text/plain": f"{self.score:g}"}))
            if self.marker:  # the status (time limit, dead kernel) still reaches the class report
                outputs.append(NotebookNode(output_type="error", ename=self.marker, evalue="",
                                            traceback=[f"{self.marker}: a call of your code was stopped"]))
            return outputs
        failed = [c.message for c in self.checks if not c.passed] or ["no call of your code returned"]
        ename = self.marker or "AssertionError"
        lines = [line for message in failed for line in message.splitlines()]
        return outputs + [NotebookNode(output_type="error", ename=ename, evalue=failed[0].splitlines()[0],
                                       traceback=[f"{ename}: {lines[0]}", *lines[1:]])]


class CellRun:
    """One test cell's statements run in turn in ``namespace``; every check becomes a ``Check``
    of ``verdict``, passed or failed, and a failure never stops the statements after it."""

    def __init__(self, code: str, hidden_lines: set[int], namespace: dict, verdict: Verdict):
        self.code, self.lines, self.hidden_lines = code, code.splitlines(), hidden_lines
        self.namespace, self.verdict = namespace, verdict
        self.broken: dict[str, str] = {}  # name -> why the statement that binds it failed
        self.failures: list[str] = []     # of statements that check nothing

    def run(self, statement, case: str = "", weight: float | None = None, format_: bool = False) -> None:
        """Run one statement; a check is recorded with its weight (``weight`` when a case loop
        decides it) and kind; ``case`` names the loop case it runs in."""
        checks = is_check(statement)
        try:
            exec(compile(ast.Module(body=[statement], type_ignores=[]), "<test cell>", "exec"), self.namespace)
            message = None
            for name in _stored_names(statement):
                self.broken.pop(name, None)
        except Exception as error:  # a failing check, or the student's code failing under it
            message = failure_message(error, self.broken)
            if not checks:
                self.failures.append(message)
                for name in _stored_names(statement):  # unbound: later checks fail with this message,
                    self.broken[name] = message        # never judge an earlier value of the name
                    self.namespace.pop(name, None)
        finally:
            close_figures()
        if checks:
            self.add_check(statement, message, case, weight, format_)

    def _case_weights(self, line: str, body_checks: list, cases: int):
        """Where the ``for`` line has a ``# weight: N``: a statement -> its weight in one case,
        the loop's N shared by its cases and, within a case, by the body's checks as their own
        weights say. None where the loop has no weight (each check then weighs its own)."""
        if not WEIGHT.search(line) or not cases:
            return None
        body = sum(_weight(self.lines[s.lineno - 1]) for s in body_checks)
        return lambda statement: _weight(line) / cases / body * _weight(self.lines[statement.lineno - 1])

    def add_check(self, statement, message, case="", weight=None, format_=False) -> None:
        line = self.lines[statement.lineno - 1]
        first = ast.get_source_segment(self.code, statement).splitlines()[0]
        label = _without_markers(first)[:120] + case
        self.verdict.checks.append(Check(statement.lineno in self.hidden_lines, label, message,
                                         _weight(line) if weight is None else weight,
                                         format_ or bool(FORMAT.search(line)), statement.lineno))

    def run_cases(self, loop: ast.For) -> None:
        """A loop of checks counts by its cases: each check of its body is judged once per
        item. A ``# weight: N`` on the ``for`` line is the whole loop's, shared by its
        cases; a ``# format`` there makes every check of the loop a format check."""
        line = self.lines[loop.lineno - 1]
        loop_format = bool(FORMAT.search(line))
        body_checks = [statement for statement in loop.body if is_check(statement)]
        try:
            items = list(eval(compile(ast.Expression(loop.iter), "<test cell>", "eval"), self.namespace))
        except Exception as error:  # no case can run: each check of the body fails once,
            message = failure_message(error, self.broken)  # with the loop's whole weight where it has one
            weight = self._case_weights(line, body_checks, cases=1) or (lambda statement: None)
            for statement in body_checks:
                self.add_check(statement, message, "", weight(statement), loop_format)
            return
        weight = self._case_weights(line, body_checks, cases=len(items)) or (lambda statement: None)
        assign = compile(f"{ast.unparse(loop.target)} = __kit_case", "<test cell>", "exec")
        for number, item in enumerate(items, start=1):
            case = f"  [case {number} of {len(items)}]"
            self.namespace["__kit_case"] = item
            try:
                exec(assign, self.namespace)
            except Exception as error:  # the case does not unpack: its checks fail
                for statement in body_checks:
                    self.add_check(statement, failure_message(error, self.broken), case, weight(statement), loop_format)
                continue
            for statement in loop.body:
                self.run(statement, case, weight(statement), loop_format)
        self.namespace.pop("__kit_case", None)


def is_check(statement) -> bool:
    """An assert, or a call of an assert_*/check_* function, anywhere in the statement but in
    the body of a function or class it defines (a test cell's own helper checks nothing by
    being defined)."""
    for node in _walk_outside_definitions(statement):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name.startswith(CHECK_PREFIXES):
                return True
    return False


def _walk_outside_definitions(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk_outside_definitions(child)


def is_case_loop(statement) -> bool:
    """A ``for`` loop over cases whose body holds checks, with no ``else``, ``break`` or ``continue``."""
    return (isinstance(statement, ast.For) and not statement.orelse and is_check(statement)
            and not any(isinstance(node, (ast.Break, ast.Continue)) for node in ast.walk(statement)))


def _without_markers(line: str) -> str:
    """A check's first line as a student reads it: without its weight or format comment."""
    found = FORMAT.search(line) or WEIGHT.search(line)
    return line[:found.start()].rstrip() if found else line


def _weight(line: str) -> float:
    found = WEIGHT.search(line)
    return float(found.group(1)) if found else 1.0


def _stored_names(statement) -> set[str]:
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def failure_message(error: Exception, broken: dict[str, str]) -> str:
    """What a failed statement tells the student: a check's own message, the student's error,
    or, for a name an earlier failed statement should have bound, that statement's failure."""
    if isinstance(error, NameError) and getattr(error, "name", None) in broken:
        return broken[error.name]
    if isinstance(error, (AssertionError, StudentError)) and str(error):
        return str(error)
    return f"{type(error).__name__}: {error}"


def close_figures() -> None:
    """Close the figures a statement opened (pyplot keeps every figure until closed)."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
