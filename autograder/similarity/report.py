"""The report of an assignment: ``similarity_report`` reads the class, compares it and writes
``reports/<assignment>/similarity.csv`` and the page ``similarity.html``.
"""

import csv
import html
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.similarity.compare import Comparison, Pair, compare
from autograder.similarity.fingerprints import MAX_CELL_CHARS, Statement, statement_fingerprints
from autograder.similarity.reading import Release, Student, read_class, read_release, student_statements, submitters
from autograder.similarity.settings import SimilarityReport, course_settings

HTML_PAIRS = 500  # the page shows at most this many pairs (the CSV has them all)


@dataclass
class Outcome:
    """One run of the report: the flagged pairs, the files written, the class, the seconds,
    what could not be read (student -> notes), the best-scoring pairs (``Comparison.top``)."""
    pairs: list[Pair]
    csv: Path
    html: Path
    students: int
    candidates: int
    seconds: float
    notes: dict = field(default_factory=dict)
    top: list = field(default_factory=list)


def similarity_report(course: Path, assignment: str, *, settings: SimilarityReport | None = None,
                      students: list[str] | None = None, workers: int = 2) -> Outcome:
    """Compare every pair of students' answers to ``assignment`` in ``course`` and write
    ``reports/<assignment>/similarity.csv`` and ``similarity.html``. Reads only the release
    and ``submitted/``; writes only those two files. settings: default, the course's
    nbgrader_config.py. students: default, every student with a submission folder.
    workers: processes that read and fingerprint the notebooks (a class of POOL_FROM or more)."""
    start = time.monotonic()
    course = Path(course).resolve()
    settings = settings or course_settings(course)
    release = read_release(course, assignment, settings)
    names = students if students is not None else submitters(course, assignment)
    read, prints = read_class(course, assignment, release, names, settings, workers)
    comparison = compare(prints, release.keys, settings, names)
    folder = course / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = folder / "similarity.csv", folder / "similarity.html"
    write_csv(comparison.pairs, csv_path)
    index = {name: i for i, name in enumerate(names)}
    html_path.write_text(page(assignment, comparison, read, index, release, settings), encoding="utf-8")
    notes = {student.name: student.notes for student in read if student.notes}
    return Outcome(comparison.pairs, csv_path, html_path, len(names), comparison.candidates,
                   time.monotonic() - start, notes, comparison.top)


def write_csv(pairs: list[Pair], path: Path) -> None:
    """similarity.csv: ``student_a,student_b,score,cells``, highest score first."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student_a", "student_b", "score", "cells"])
        for pair in pairs:
            writer.writerow([pair.student_a, pair.student_b, f"{pair.score:.3f}", " ".join(pair.cells)])


STYLE = """body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
table.side{width:100%;table-layout:fixed}table.side td{width:50%;padding:0}
pre{margin:0;padding:4px;font-size:12px;line-height:1.35;white-space:pre-wrap;word-break:break-all}
.line{display:block}.match{background:#ffd54f}.given{color:#999}.no{color:#999;user-select:none}
section{margin-top:2.5em;border-top:2px solid #888}"""


def _highlighted(source: str, statements: list[Statement], matched: set, given: np.ndarray,
                 settings: SimilarityReport) -> str:
    """The cell's lines, escaped, numbered; a statement with a matching fingerprint is
    highlighted, one wholly given by the release greyed."""
    lines = source[:MAX_CELL_CHARS].split("\n")
    marks = [""] * (len(lines) + 2)
    for statement in statements:
        hashes = statement_fingerprints(statement, settings.kgram, settings.min_statement_tokens)
        if not hashes:
            continue
        kind = ("match" if matched.intersection(hashes)
                else "given" if np.isin(hashes, given).all() else "")
        for number in range(statement.first, min(statement.last, len(lines)) + 1):
            if kind == "match" or not marks[number]:
                marks[number] = kind
    width = len(str(len(lines)))
    return "".join(f'<span class="line {marks[number]}"><span class="no">{number:>{width}} </span>'
                   f"{html.escape(line)}</span>" for number, line in enumerate(lines, 1))


def page(assignment: str, comparison: Comparison, read: list[Student], index: dict[str, int],
         release: Release, settings: SimilarityReport) -> str:
    """similarity.html: each flagged pair's matching cells side by side. Self-contained (no
    script, no link out) and every piece of student text escaped."""
    esc = html.escape
    pairs = comparison.pairs
    rows = "\n".join(
        f'<tr><td><a href="#pair-{i}">{i}</a></td><td>{esc(p.student_a)}</td><td>{esc(p.student_b)}</td>'
        f"<td>{p.score:.3f}</td><td>{esc(' '.join(p.cells)) or '-'}</td></tr>"
        for i, p in enumerate(pairs[:HTML_PAIRS], 1))
    sections = []
    for i, pair in enumerate(pairs[:HTML_PAIRS], 1):
        a, b = read[index[pair.student_a]], read[index[pair.student_b]]
        statements = {student.name: student_statements(student, release) for student in (a, b)}
        blocks = []
        for key in release.keys:
            if key not in pair.cell_scores:
                continue
            matched = set(np.intersect1d(comparison.kept.get((index[a.name], key), np.zeros(0, np.int64)),
                                         comparison.kept.get((index[b.name], key), np.zeros(0, np.int64))).tolist())
            sides = []
            for student in (a, b):
                source = student.cells.get(key, "")
                mine = statements[student.name].get(key, [])
                sides.append(f"<td><pre>{_highlighted(source, mine, matched, release.given, settings)}</pre></td>")
            listed = " (matches)" if key in pair.cells else ""
            blocks.append(f"<h3>{esc(key)}{listed}: {pair.cell_scores[key]:.3f}</h3>"
                          f'<table class="side"><tr><th>{esc(a.name)}</th><th>{esc(b.name)}</th></tr>'
                          f"<tr>{''.join(sides)}</tr></table>")
        sections.append(f'<section id="pair-{i}"><h2>{i}. {esc(pair.student_a)} and {esc(pair.student_b)}: '
                        f"{pair.score:.3f}</h2>{''.join(blocks)}</section>")
    more = (f"<p>The first {HTML_PAIRS} of {len(pairs)} pairs are shown; similarity.csv lists them all.</p>"
            if len(pairs) > HTML_PAIRS else "")
    title = f"{assignment}: similar answers"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{esc(title)}</title><style>{STYLE}</style></head>
<body><h1>{esc(title)}</h1>
<p>{len(read)} students, {len(read) * (len(read) - 1) // 2} pairs, {comparison.candidates} sharing code beyond
the release; {len(pairs)} at or above the threshold {settings.threshold:g}. The score is the share of
fingerprints (normalised statements: names, strings and numbers, comments, layout and the order of
statements do not count) the two have in common over the answer cells both wrote, without the
release's code and without code more than {settings.common_fraction:.0%} of the class wrote. Highlighted:
statements that match; grey: code the release gives. A flag is a lead for a person to read; it changes
no grade.</p>
{more}<table><tr><th>#</th><th>student_a</th><th>student_b</th><th>score</th><th>cells</th></tr>
{rows}</table>
{''.join(sections)}
</body></html>
"""
