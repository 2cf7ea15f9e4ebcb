"""Reading a course: the release's answer cells and given code, and each student's submitted
answer cells, normalised and fingerprinted beyond the release (by several processes for a
large class).
"""

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.similarity.fingerprints import (
    Statement, defined_functions, import_aliases, normalise, parse_cell, statement_fingerprints,
)
from autograder.similarity.settings import SimilarityReport

MAX_NOTEBOOK_BYTES = 64 << 20  # a bigger file is skipped, with a note
POOL_FROM = 300  # a class this big is read by several processes (below, starting them costs more)


@dataclass
class Release:
    """The release of an assignment: its answer cells (key -> notebook file, grade id, stub),
    in notebook order; the import aliases and the functions defined in each notebook; the
    fingerprints of its code."""
    keys: list[str]
    notebook: dict[str, str]
    grade_id: dict[str, str]
    stub: dict[str, str]
    aliases: dict[str, dict[str, str]]
    functions: dict[str, frozenset]
    given: np.ndarray


@dataclass
class Student:
    """One student's answer cells as read (key -> source) and what could not be read."""
    name: str
    cells: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _notebook_cells(data) -> list[dict]:
    """The cells of a notebook's JSON that are objects (none where it has no list of cells)."""
    cells = data.get("cells") if isinstance(data, dict) else None
    return [cell for cell in cells if isinstance(cell, dict)] if isinstance(cells, list) else []


def _source(cell: dict) -> str:
    """The cell's source as one string (empty where it is not text)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def cell_grade_id(cell: dict) -> str | None:
    """The cell's nbgrader grade id, or None where it has none."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def is_code_answer(cell: dict) -> bool:
    """Whether the cell is a code cell that nbgrader marks as an answer (``solution: true``)."""
    nbgrader = (cell.get("metadata") or {}).get("nbgrader") or {}
    return cell.get("cell_type") == "code" and bool(nbgrader.get("solution"))


def read_notebook(path: Path) -> tuple[list[dict] | None, str | None]:
    """The cells of a notebook file, or None with the reason. Never follows a symbolic link
    (a student's notebook could point at any file of the grader's)."""
    if path.is_symlink() or not path.is_file():
        return None, f"{path.name}: missing"
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return None, f"{path.name}: over {MAX_NOTEBOOK_BYTES >> 20} MB, not read"
    try:
        return _notebook_cells(json.loads(path.read_bytes())), None
    except (OSError, ValueError, RecursionError) as error:
        return None, f"{path.name}: not a readable notebook ({type(error).__name__})"


def read_release(course: Path, assignment: str, settings: SimilarityReport) -> Release:
    """The answer cells and given code of ``release/<assignment>/*.ipynb``."""
    folder = course / "release" / assignment
    files = sorted(path for path in folder.glob("*.ipynb") if path.is_file())
    if not files:
        raise FileNotFoundError(f"no release notebooks in {folder}: generate the assignment first")
    found: list[tuple[str, str, str]] = []  # (file, grade id, stub)
    aliases, functions, given = {}, {}, []
    for path in files:
        cells, problem = read_notebook(path)
        if cells is None:
            raise ValueError(f"release notebook {path}: {problem}")
        code = [cell for cell in cells if cell.get("cell_type") == "code"]
        trees = [parse_cell(_source(cell)) for cell in code]
        aliases[path.name], defined = {}, set()
        for tree in trees:
            if tree is not None:
                aliases[path.name].update(import_aliases(tree))
                defined |= defined_functions(tree)
        functions[path.name] = frozenset(defined)
        for cell, tree in zip(code, trees):
            for statement in normalise(_source(cell), aliases[path.name], tree, functions[path.name]):
                given += statement_fingerprints(statement, settings.kgram, settings.min_statement_tokens)
            if is_code_answer(cell) and cell_grade_id(cell):
                found.append((path.name, cell_grade_id(cell), _source(cell)))
    counts = {}
    for _, grade_id, _ in found:
        counts[grade_id] = counts.get(grade_id, 0) + 1
    keys, notebook, grade_ids, stub = [], {}, {}, {}
    for file_name, grade_id, source in found:
        key = grade_id if counts[grade_id] == 1 else f"{Path(file_name).stem}:{grade_id}"
        if key in notebook:
            continue  # the same id twice in one notebook: the first counts
        keys.append(key)
        notebook[key], grade_ids[key], stub[key] = file_name, grade_id, source
    return Release(keys, notebook, grade_ids, stub, aliases, functions, np.unique(np.array(given, dtype=np.int64)))


def submitters(course: Path, assignment: str) -> list[str]:
    """Students with a submission folder (not a symbolic link) for the assignment."""
    return sorted(path.parent.name for path in (course / "submitted").glob(f"*/{assignment}")
                  if path.is_dir() and not path.is_symlink() and not path.parent.is_symlink())


def read_student(course: Path, assignment: str, release: Release, name: str) -> Student:
    """One student's answer cells, by key (the release's grade ids)."""
    student = Student(name)
    folder = course / "submitted" / name / assignment
    for file_name in sorted(set(release.notebook.values())):
        cells, problem = read_notebook(folder / file_name)
        if cells is None:
            student.notes.append(problem)
            continue
        wanted = {release.grade_id[key]: key for key in release.keys if release.notebook[key] == file_name}
        expected = len(wanted)
        for cell in cells:
            key = wanted.pop(cell_grade_id(cell), None) if cell_grade_id(cell) else None
            if key is not None:
                student.cells[key] = _source(cell)
        if expected and len(wanted) == expected:
            student.notes.append(f"{file_name}: no answer cell found by its grade id (metadata removed?)")
    return student


def student_statements(student: Student, release: Release) -> dict[str, list[Statement]]:
    """Key -> the normalised statements of the student's answer cell. An import in one answer
    cell serves the others of its notebook, as in the student's kernel."""
    trees = {key: parse_cell(source) for key, source in student.cells.items()}
    aliases = {file_name: dict(known) for file_name, known in release.aliases.items()}
    functions = {file_name: set(known) for file_name, known in release.functions.items()}
    for key, tree in trees.items():
        if tree is not None:
            aliases[release.notebook[key]].update(import_aliases(tree))
            functions[release.notebook[key]].update(defined_functions(tree))
    return {key: normalise(source, aliases[release.notebook[key]], trees[key],
                           frozenset(functions[release.notebook[key]]))
            for key, source in student.cells.items()}


def _without(hashes: np.ndarray, given: np.ndarray) -> np.ndarray:
    """The sorted unique ``hashes`` that are not in ``given`` (sorted, unique)."""
    hashes = np.unique(hashes)
    if not len(given):
        return hashes
    where = np.minimum(np.searchsorted(given, hashes), len(given) - 1)
    return hashes[given[where] != hashes]


def fingerprint_student(student: Student, release: Release, kgram: int, min_tokens: int) -> dict[str, np.ndarray]:
    """Key -> the sorted unique fingerprints of the student's answer beyond the release."""
    out = {}
    for key, statements in student_statements(student, release).items():
        hashes = [h for statement in statements for h in statement_fingerprints(statement, kgram, min_tokens)]
        own = _without(np.array(hashes, dtype=np.int64), release.given)
        if len(own):
            out[key] = own
    return out


def _read_chunk(course: Path, assignment: str, release: Release, names: list[str], kgram: int,
                min_tokens: int) -> list[tuple[Student, dict]]:
    """Read and fingerprint these students (the work of one process)."""
    read = [read_student(course, assignment, release, name) for name in names]
    return [(student, fingerprint_student(student, release, kgram, min_tokens)) for student in read]


def read_class(course, assignment, release, names, settings, workers) -> tuple[list[Student], list[dict]]:
    """Every student read and fingerprinted, in the order of ``names``: by ``workers`` fresh
    processes (forkserver: safe beside the class command's threads) for a class of POOL_FROM or more."""
    shape = (settings.kgram, settings.min_statement_tokens)
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers == 1 or len(names) < POOL_FROM:
        done = _read_chunk(course, assignment, release, names, *shape)
    else:
        chunks = [names[i::4 * workers] for i in range(4 * workers)]
        context = multiprocessing.get_context("forkserver")
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                results = list(pool.map(_read_chunk, *zip(*[(course, assignment, release, chunk, *shape)
                                                            for chunk in chunks])))
        except (OSError, BrokenProcessPool):  # no processes to be had here: this one does it all
            results = [_read_chunk(course, assignment, release, names, *shape)]
        by_name = {student.name: (student, prints) for result in results for student, prints in result}
        done = [by_name[name] for name in names]
    return [student for student, _ in done], [prints for _, prints in done]
