"""The autograded parts of a notebook: each code answer cell and the test cells after it."""

import re

from autograder.notebook.submissions import is_answer, nbgrader_id


def is_test(cell) -> bool:
    """True for an autograded test cell (graded, not an answer)."""
    meta = cell.metadata.get("nbgrader", {})
    return meta.get("grade", False) and not meta.get("solution", False)


def autograded_parts(master) -> dict[str, list[str]]:
    """Map each code answer cell's grade id to the grade ids of the test cells that follow it.

    A part's tests are the test cells between its answer cell and the next code answer
    cell. Answer cells without tests (exploration) are left out.
    """
    parts: dict[str, list[str]] = {}
    current = None
    for cell in master.cells:
        if cell.cell_type == "code" and is_answer(cell):
            current = nbgrader_id(cell)
        elif is_test(cell):
            if current is None:
                raise ValueError(f"test cell {nbgrader_id(cell)!r} comes before any answer cell")
            parts.setdefault(current, []).append(nbgrader_id(cell))
    return parts


def points_per_test(master) -> dict[str, float]:
    """Points of every autograded test cell, by grade id."""
    return {nbgrader_id(cell): float(cell.metadata["nbgrader"]["points"])
            for cell in master.cells if is_test(cell)}


SECTION = re.compile(r"^##\s+(.+?)\s*$", re.M)  # "## Part 3: The first network (3 points)"


def section_of_tests(master) -> dict[str, str]:
    """The section heading (level 2, as the student reads it) above every test cell, by grade id."""
    sections, current = {}, "(before the first section)"
    for cell in master.cells:
        if cell.cell_type == "markdown":
            headings = SECTION.findall(cell.source)
            if headings:
                current = headings[-1]
        elif is_test(cell):
            sections[nbgrader_id(cell)] = current
    return sections
