"""What students see in their feedback: nbgrader_config.py adds these preprocessors to
``nbgrader generate_feedback`` (and the class command's workers render with them).

* ``HideHiddenTests``: each hidden test's message, never its source.
* ``HideGraderOutputs``: the judge's records (a partial score, the checks as data) stay out
  of the student's page; the score is in nbgrader's header.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Unicode

from autograder.markers import BEGIN_HIDDEN, CHECKS_MIME
from autograder.notebook.source import hidden_test_lines


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback shows what a hidden test said, never what it is.

    In every autograded test cell, the region between ``### BEGIN HIDDEN TESTS`` and
    ``### END HIDDEN TESTS`` is replaced by one comment line, and traceback entries that
    show the test cell's own lines are dropped: the error's name and message (the
    "expected ..., got ..." text of ``helpers.checks``) stay, and so do frames from the
    student's own cells. Visible tests are shown as they are. To reveal hidden tests
    (say, after the deadline): ``nbgrader generate_feedback <a> --HideHiddenTests.enabled=False``.
    """

    placeholder = Unicode("# (hidden tests: not shown; what they found is printed below)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell) or BEGIN_HIDDEN not in cell.source:
            return cell, resources
        cell.source = "\n".join(line[:len(line) - len(line.lstrip())] + self.placeholder
                                if kind == "begin" else line
                                for _, line, kind in hidden_test_lines(cell.source)
                                if kind in ("begin", "visible"))
        own_frame = f"Cell In[{cell.execution_count}]" if cell.execution_count else None
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                kept = [entry for entry in output.get("traceback", [])
                        if own_frame is None or own_frame not in _ANSI.sub("", entry)]
                message = f"{output.ename}: {output.evalue}"
                if not any(message in _ANSI.sub("", entry) for entry in kept):
                    kept.append(message)
                output.traceback = kept
        return cell, resources


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideGraderOutputs(NbGraderPreprocessor):
    """Feedback shows what the judge found as text: its own records stay out of the page.

    The judge writes a partial score as the test cell's result (``execute_result``), which
    is how nbgrader reads it; on the student's page it would look like an ``Out[ ]: 0.5``
    of their own code, under checks that already say "N of M checks passed: S of P points".
    It also writes its checks as data (``CHECKS_MIME``) for the class report. Feedback drops
    both from autograded test cells; the score stays in nbgrader's header.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            cell.outputs = [output for output in cell.get("outputs", [])
                            if output.get("output_type") != "execute_result"
                            and CHECKS_MIME not in output.get("data", {})]
        return cell, resources
