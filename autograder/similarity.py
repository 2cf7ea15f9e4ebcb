"""Answers that look copied: the class's similarity report (issue #27, item 2).

    python -m autograder.similarity mnist [--course DIR] [--threshold 0.8]
    python -m autograder.similarity --benchmark [--sizes 100 300 1000]

Writes ``reports/<assignment>/similarity.csv`` (``student_a,student_b,score,cells``: one row
per pair of students at or above the threshold, highest first; ``cells`` the grade ids of
the answer cells that match, separated by spaces) and ``similarity.html`` (each flagged pair
side by side, matching statements highlighted), from the submitted notebooks
``submitted/<student>/<assignment>/*.ipynb`` and the release ``release/<assignment>/``, with
the settings of ``SimilarityReport`` in the course's nbgrader_config.py. Nothing else is read
(not the gradebook) or written: a flag is a lead for a TA to read, it never changes a grade.

How, MOSS-style fingerprinting on a normalised form of each answer:

1. **Answer cells** are the release's code cells with nbgrader ``solution: true``, found in
   each student's notebook by grade id. Each is parsed (IPython magic and shell lines
   blanked; a cell that does not parse is read token by token instead) and cut into
   statements: every simple statement, and the header of every ``def``/``for``/``if``/...
   (its body's statements are statements of their own). Docstrings and comments are
   dropped; so are whitespace and formatting, by reprinting each statement from its
   syntax tree (``ast.unparse``).
2. **Normalised**: every name the student binds (variables, parameters, their own
   functions and classes) becomes ``V``, every string ``S`` and every number ``N``; import
   aliases become the module they name (``np.mean`` and ``numpy.mean`` read
   ``numpy.mean``, ``tf.keras`` reads ``keras``); attribute names, keyword-argument names
   and builtins are kept (they are the API, which a copier cannot rename); a call's
   keyword arguments are sorted.
3. **Fingerprints**: the hashes of the k-grams of each statement's tokens (``kgram``
   tokens; a shorter statement of at least ``min_statement_tokens`` is one fingerprint).
   They never span two statements, so reordering statements or functions changes none.
   Answers are small, so every k-gram is kept (no winnowing).
4. **Beyond the release**: a fingerprint of any code cell of the release (the stubs, the
   given code, the locked cells) never counts. A blank or stub-only answer has no
   fingerprint left, so it matches nothing.
5. **Common code** (MOSS's ``-m``): a fingerprint that more than ``common_fraction`` of the
   students who answered the cell have (and more than ``common_floor`` students) is the
   forced shape of the answer, not evidence, and is ignored.
6. **An inverted index**, fingerprint -> students, per cell: each pair of students that
   shares fingerprints is counted from the index, so the cost follows the shared
   fingerprints, not the half a million pairs of a class of 1,000.
7. **Score** of a pair: the Jaccard index of their fingerprints over the cells both answered,
   sum of |A ∩ B| over sum of |A ∪ B|, in [0, 1]. A pair is flagged at or above
   ``threshold`` when they share at least ``min_matched`` fingerprints; ``cells`` lists the
   cells whose own index reaches the threshold.

No fingerprinting library fits this design: copydetect (PyPI) fingerprints whole files
with character k-grams spanning statements (reordering breaks them), maps every attribute
and keyword name to the same ``V`` (every Keras answer then looks alike), keeps numbers,
and compares every pair of files in a Python loop; Dolos (npm) needs Node.js. The
normalisation uses Python's own ``ast`` and ``tokenize``.
"""

import argparse
import ast
import builtins
import copy
import csv
import hashlib
import html
import importlib.util
import io
import json
import keyword
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
import tokenize
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from traitlets import Float, Integer, TraitError, validate
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
MAX_NOTEBOOK_BYTES = 64 << 20  # a bigger file is skipped, with a note
MAX_CELL_CHARS = 200_000  # an answer cell is read up to this many characters
HTML_PAIRS = 500  # the page shows at most this many pairs (the CSV has them all)
POOL_FROM = 300  # a class this big is read by several processes (below, starting them costs more)


class SimilarityReport(Configurable):
    """The settings of the similarity report, read from the course's nbgrader_config.py
    (``c.SimilarityReport.threshold = 0.8``)."""

    threshold = Float(0.8, help=(
        "A pair of students is flagged when the Jaccard index of their answers' fingerprints "
        "(over the cells both answered, beyond the release, common code left out) is at or "
        "above this; a cell is listed in the pair's `cells` when its own index is")).tag(config=True)
    kgram = Integer(5, help="Tokens per fingerprint (a k-gram of one statement's normalised tokens)").tag(config=True)
    min_statement_tokens = Integer(4, help=(
        "A statement shorter than kgram tokens is one fingerprint if it has at least this many "
        "(`return x` has none)")).tag(config=True)
    common_fraction = Float(0.05, help=(
        "A fingerprint in more than this fraction of the students who answered the cell is "
        "common code (the forced shape of the answer) and is ignored")).tag(config=True)
    common_floor = Integer(10, help=(
        "...but only when more than this many students have it (MOSS's -m): in a small class "
        "nothing is common")).tag(config=True)
    min_matched = Integer(12, help=(
        "A pair is flagged only when it shares at least this many fingerprints: a short, "
        "forced answer alone is no evidence")).tag(config=True)

    @validate("threshold", "common_fraction")
    def _fraction(self, proposal):
        if not 0 <= proposal["value"] <= 1:
            raise TraitError(f"{proposal['trait'].name} must be in [0, 1], not {proposal['value']}")
        return proposal["value"]

    @validate("kgram", "min_statement_tokens", "min_matched")
    def _positive(self, proposal):
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1, not {proposal['value']}")
        return proposal["value"]


def course_settings(course: Path, **overrides) -> SimilarityReport:
    """The settings in the course's nbgrader_config.py (the defaults where it sets none),
    then ``overrides`` (trait name -> value) on top."""
    config = Config()
    if (course / CONFIG_FILE).is_file():
        config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()
    settings = SimilarityReport(config=config)
    for name, value in overrides.items():
        if value is not None:
            setattr(settings, name, value)
    return settings


# --- Normalisation: a cell -> statements of normalised tokens -----------------------------

BUILTINS = frozenset(dir(builtins))
TOKEN = re.compile(r"[\w.]+|\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%@&|^<>=!]=|\S")
MAGIC = re.compile(r"^\s*(%|!)")  # IPython line magics and shell lines
BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


@dataclass(frozen=True)
class Statement:
    """One statement of a cell: its lines (from 1, inclusive) and its normalised tokens."""
    first: int
    last: int
    tokens: tuple[str, ...]


def canonical(dotted: str) -> str:
    """The module path a copier cannot disguise: ``tensorflow.keras.x`` is ``keras.x``."""
    return re.sub(r"^tensorflow\.(python\.)?keras(?=\.|$)", "keras", dotted)


def parse_cell(source: str) -> ast.Module | None:
    """The cell's syntax tree with IPython magic and shell lines blanked (a ``%%`` cell magic
    is dropped, its body read as Python), or None where it is not Python. Line numbers are
    the cell's own."""
    lines = source[:MAX_CELL_CHARS].split("\n")
    lines = ["" if MAGIC.match(line) else line for line in lines]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _all_statements(body: list):
    """Every statement of a block and of the blocks inside it (not expressions: fast)."""
    for node in body:
        yield node
        for name in BLOCK_FIELDS:
            inner = getattr(node, name, None)
            if inner:
                yield from _all_statements(inner)


def defined_functions(tree: ast.Module) -> set[str]:
    """The names of the functions ``tree`` defines, at any depth."""
    return {node.name for node in _all_statements(tree.body)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def import_aliases(tree: ast.Module) -> dict[str, str]:
    """Names that imports bind in ``tree``, with the module path each one names."""
    aliases = {}
    for node in _all_statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = canonical(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = canonical(top)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = canonical(f"{node.module}.{alias.name}")
    return aliases


def _bound_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names the cell binds other than by import, and the names of the functions it defines."""
    bound, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
            functions.add(node.name)
        elif isinstance(node, ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
    return bound, functions


class _Normaliser(ast.NodeTransformer):
    """Rewrites a cell's tree in place into its normalised form (see the module's docstring)
    in one pass: strings and numbers at once; names once the pass has seen every name the
    cell binds (``resolve``)."""

    def __init__(self, functions=frozenset()):
        self.bound, self.functions = set(functions), set(functions)
        self.names, self.calls = [], []

    def resolve(self, aliases: dict[str, str]) -> None:
        own = [isinstance(call.func, ast.Name) and call.func.id in self.functions for call in self.calls]
        for node in self.names:
            name = node.id
            node.id = ("V" if name in self.bound else aliases[name] if name in aliases
                       else name if name in BUILTINS else "V")
        for call, mine in zip(self.calls, own):  # inner calls first
            if mine:  # keyword arguments name the student's own parameters: in the order of their values
                for argument in call.keywords:
                    if argument.arg is not None:
                        argument.arg = "V"
                call.keywords.sort(key=lambda argument: (argument.arg is None, ast.unparse(argument.value)))
            else:  # the API's keyword arguments, in the order of their names
                call.keywords.sort(key=lambda argument: (argument.arg is None, argument.arg or ""))

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            self.bound.add(node.id)
        self.names.append(node)
        return node

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, (str, bytes)):
            placeholder = "S"
        elif isinstance(value, (int, float, complex)) and not isinstance(value, bool):
            placeholder = "N"
        else:  # True, False, None, ...
            return node
        return ast.Name(id=placeholder, ctx=ast.Load())

    def visit_JoinedStr(self, node):  # an f-string is a string
        return ast.Name(id="S", ctx=ast.Load())

    def visit_arg(self, node):
        self.bound.add(node.arg)
        node.arg = "V"
        self.generic_visit(node)
        return node

    def visit_FunctionDef(self, node):
        self.bound.add(node.name)
        self.functions.add(node.name)
        node.name = "V"
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def _named(self, node):  # a class, an exception caught as, a match capture
        if node.name:
            self.bound.add(node.name)
            node.name = "V"
        self.generic_visit(node)
        return node

    visit_ClassDef = visit_ExceptHandler = visit_MatchAs = visit_MatchStar = _named

    def visit_Global(self, node):
        self.bound.update(node.names)
        node.names = ["V" for _ in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_Import(self, node):
        node.names = [ast.alias(name=canonical(alias.name)) for alias in node.names]
        return node

    def visit_ImportFrom(self, node):
        node.module = canonical(node.module) if node.module else node.module
        node.names = [ast.alias(name=alias.name) for alias in node.names]
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if node.keywords:
            self.calls.append(node)
        return node


def _header(node) -> str:
    """The first line of a compound statement, as ``ast.unparse`` writes it without its body."""
    shell = copy.copy(node)
    for name in BLOCK_FIELDS:
        if hasattr(shell, name):
            setattr(shell, name, [])
    return ast.unparse(shell)


def _walk_statements(body: list, out: list) -> None:
    for node in body:
        if isinstance(node, ast.match_case):  # no line numbers of its own: its body only
            _walk_statements(node.body, out)
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Name) and node.value.id == "S":
            continue  # a docstring or a bare string: a comment
        blocks = [getattr(node, name) for name in BLOCK_FIELDS if getattr(node, name, None)]
        try:
            text = _header(node) if blocks else ast.unparse(node)
        except Exception:  # noqa: BLE001 - a tree unparse cannot write: the statement is skipped
            text = ""
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if blocks:
            inner = [child.lineno for block in blocks for child in block if hasattr(child, "lineno")]
            last = max(node.lineno, min(inner, default=node.lineno + 1) - 1)
        else:
            last = getattr(node, "end_lineno", None) or node.lineno
        tokens = tuple(canonical(token) if token.startswith("tensorflow.") else token
                       for token in TOKEN.findall(text.split("\n")[-1] if blocks else text))
        if tokens:
            out.append(Statement(first, last, tokens))
        for block in blocks:
            _walk_statements(block, out)


def _statements_by_tokens(source: str, aliases: dict[str, str]) -> list[Statement]:
    """A cell that does not parse, read token by token: each logical line is a statement."""
    statements, tokens, first, last, previous = [], [], None, None, None

    def flush():
        if tokens:
            text = " ".join(tokens).replace(" . ", ".")
            statements.append(Statement(first, last, tuple(canonical(token) for token in TOKEN.findall(text))))
        tokens.clear()

    try:
        for token in tokenize.generate_tokens(io.StringIO(source[:MAX_CELL_CHARS]).readline):
            kind, string = token.type, token.string
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                flush()
                first = None
                continue
            if kind in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ERRORTOKEN):
                continue
            if kind == tokenize.NAME:
                if keyword.iskeyword(string) or previous == "." or string in BUILTINS:
                    text = string
                else:
                    text = aliases.get(string, "V")
            elif kind == tokenize.STRING:
                text = "S"
            elif kind == tokenize.NUMBER:
                text = "N"
            else:
                text = string
            if first is None:
                first = token.start[0]
            last = token.end[0]
            tokens.append(text)
            previous = string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    flush()
    return statements


def normalise(source: str, aliases: dict[str, str] | None = None, tree: ast.Module | None = None,
              functions: frozenset = frozenset()) -> list[Statement]:
    """The statements of a cell, normalised. aliases: import aliases bound elsewhere in the
    notebook (the release's import cell: ``np`` -> ``numpy``); the cell's own imports add to
    them. tree: the cell's tree from ``parse_cell``, if already parsed: it is rewritten.
    functions: the functions the notebook's other cells define (a call's keyword arguments
    name their parameters: the student's names, not the API's)."""
    aliases = dict(aliases or {})
    tree = tree if tree is not None else parse_cell(source)
    if tree is None:
        return _statements_by_tokens(source, aliases)
    aliases.update(import_aliases(tree))
    try:
        normaliser = _Normaliser(functions)
        normaliser.visit(tree)
        normaliser.resolve(aliases)
        statements = []
        _walk_statements(tree.body, statements)
    except RecursionError:  # absurdly nested code
        return _statements_by_tokens(source, aliases)
    return statements


def statement_fingerprints(statement: Statement, kgram: int, min_tokens: int) -> list[int]:
    """The hashes of the statement's k-grams (64-bit, the same in every run)."""
    tokens = statement.tokens
    if len(tokens) < min(kgram, min_tokens):
        return []
    grams = [tokens] if len(tokens) <= kgram else [tokens[i:i + kgram] for i in range(len(tokens) - kgram + 1)]
    return [int.from_bytes(hashlib.blake2b("\x1f".join(gram).encode(), digest_size=8).digest(),
                           "little", signed=True) for gram in grams]


# --- Reading the release and the submissions -----------------------------------------------

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
    cells = data.get("cells") if isinstance(data, dict) else None
    return [cell for cell in cells if isinstance(cell, dict)] if isinstance(cells, list) else []


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _is_code_answer(cell: dict) -> bool:
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
            if _is_code_answer(cell) and _grade_id(cell):
                found.append((path.name, _grade_id(cell), _source(cell)))
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
            key = wanted.pop(_grade_id(cell), None) if _grade_id(cell) else None
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


# --- Comparing: an inverted index per cell ---------------------------------------------------

@dataclass(frozen=True)
class Pair:
    """A flagged pair: student names in order, the score, the matching cells, and the index of
    every cell they share fingerprints in (key -> score)."""
    student_a: str
    student_b: str
    score: float
    cells: tuple[str, ...]
    cell_scores: dict


@dataclass
class Comparison:
    """What ``compare`` found: the flagged pairs, highest first, the fingerprints left to each
    student and cell once common code is removed, and counts for the report."""
    pairs: list[Pair]
    kept: dict  # (student index, key) -> sorted fingerprints that count
    candidates: int  # pairs that share at least one fingerprint
    top: list = field(default_factory=list)  # the 20 best-scoring pairs, flagged or not: (score, a, b)


def compare(prints: list[dict[str, np.ndarray]], keys: list[str], settings: SimilarityReport,
            names: list[str]) -> Comparison:
    """Flag the pairs of students whose answers match (see the module's docstring).

    prints: per student (in the order of ``names``), key -> fingerprints beyond the release.
    """
    n = len(prints)
    total = n * n
    kept, sizes, answered = {}, np.zeros((len(keys), n), dtype=np.int64), np.zeros((len(keys), n), dtype=bool)
    per_cell = []  # per key: (sorted pair codes, intersections)
    candidates_all = []
    for c, key in enumerate(keys):
        owners = [s for s in range(n) if key in prints[s]]
        if len(owners) < 2:
            per_cell.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
            for s in owners:
                kept[(s, key)] = prints[s][key]
                sizes[c, s], answered[c, s] = len(prints[s][key]), True
            continue
        students = np.concatenate([np.full(len(prints[s][key]), s, dtype=np.int64) for s in owners])
        hashes = np.concatenate([prints[s][key] for s in owners])
        unique, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
        limit = max(settings.common_floor, settings.common_fraction * len(owners))
        keep = counts[inverse] <= limit
        answered[c, owners] = True
        sizes[c] = np.bincount(students[keep], minlength=n)
        for s in owners:
            own = prints[s][key]
            kept[(s, key)] = own[counts[np.searchsorted(unique, own)] <= limit]
        shared = keep & (counts[inverse] >= 2)
        order = np.lexsort((students[shared], inverse[shared]))
        fingerprint_ids, members = inverse[shared][order], students[shared][order]
        if len(members):
            starts = np.flatnonzero(np.r_[True, fingerprint_ids[1:] != fingerprint_ids[:-1]])
            group_sizes = np.diff(np.r_[starts, len(members)])
            codes = []
            for size in np.unique(group_sizes):
                rows = starts[group_sizes == size][:, None] + np.arange(size)[None, :]
                group = members[rows]
                first, second = np.triu_indices(size, 1)
                codes.append((group[:, first] * n + group[:, second]).ravel())
            pair_codes, intersections = np.unique(np.concatenate(codes), return_counts=True)
        else:
            pair_codes, intersections = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        per_cell.append((pair_codes, intersections))
        candidates_all.append(pair_codes)
    if candidates_all and total:
        everything = np.concatenate([codes for codes, _ in per_cell])
        weights = np.concatenate([counts for _, counts in per_cell])
        pair_codes, inverse = np.unique(everything, return_inverse=True)
        matched = np.bincount(inverse, weights=weights).astype(np.int64)
    else:
        pair_codes, matched = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    candidates = len(pair_codes)
    chosen = matched >= settings.min_matched
    pair_codes, matched = pair_codes[chosen], matched[chosen]
    a, b = pair_codes // max(n, 1), pair_codes % max(n, 1)
    unions = np.zeros(len(pair_codes), dtype=np.int64)
    by_cell = np.zeros((len(keys), len(pair_codes)), dtype=np.int64)
    for c, (codes, counts) in enumerate(per_cell):
        if len(codes):
            where = np.searchsorted(codes, pair_codes)
            found = (where < len(codes)) & (codes[np.minimum(where, len(codes) - 1)] == pair_codes)
            by_cell[c, found] = counts[where[found]]
        both = answered[c, a] & answered[c, b]
        unions += np.where(both, sizes[c, a] + sizes[c, b] - by_cell[c], 0)
    scores = np.divide(matched, unions, out=np.zeros(len(matched)), where=unions > 0)
    best = np.argsort(-scores, kind="stable")[:20]
    top = [(float(scores[i]), *sorted((names[a[i]], names[b[i]]))) for i in best]
    pairs = []
    for i in np.flatnonzero(scores >= settings.threshold):
        cell_scores = {}
        for c, key in enumerate(keys):
            if by_cell[c, i]:
                union = sizes[c, a[i]] + sizes[c, b[i]] - by_cell[c, i]
                cell_scores[key] = float(by_cell[c, i] / union) if union else 0.0
        cells = tuple(key for key, value in cell_scores.items() if value >= settings.threshold)
        first, second = sorted((names[a[i]], names[b[i]]))
        pairs.append(Pair(first, second, float(scores[i]), cells, cell_scores))
    pairs.sort(key=lambda pair: (-pair.score, pair.student_a, pair.student_b))
    return Comparison(pairs, kept, candidates, top)


# --- The report ------------------------------------------------------------------------------

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
    read, prints = _read_class(course, assignment, release, names, settings, workers)
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


def _read_chunk(course: Path, assignment: str, release: Release, names: list[str], kgram: int,
                min_tokens: int) -> list[tuple[Student, dict]]:
    """Read and fingerprint these students (the work of one process)."""
    read = [read_student(course, assignment, release, name) for name in names]
    return [(student, fingerprint_student(student, release, kgram, min_tokens)) for student in read]


def _read_class(course, assignment, release, names, settings, workers) -> tuple[list[Student], list[dict]]:
    """Every student read and fingerprinted, in the order of ``names``: by ``workers`` fresh
    processes (forkserver: safe beside the class command's threads) for a class of POOL_FROM or more."""
    shape = (settings.kgram, settings.min_statement_tokens)
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers == 1 or len(names) < POOL_FROM:
        done = _read_chunk(course, assignment, release, names, *shape)
    else:
        chunks = [names[i::4 * workers] for i in range(4 * workers)]
        # the function by its module's name, also when this module runs as __main__
        work = importlib.import_module("autograder.similarity")._read_chunk
        context = multiprocessing.get_context("forkserver")
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                results = list(pool.map(work, *zip(*[(course, assignment, release, chunk, *shape)
                                                     for chunk in chunks])))
        except (OSError, BrokenProcessPool):  # no processes to be had here: this one does it all
            results = [_read_chunk(course, assignment, release, names, *shape)]
        by_name = {student.name: (student, prints) for result in results for student, prints in result}
        done = [by_name[name] for name in names]
    return [student for student, _ in done], [prints for _, prints in done]


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


# --- Disguised copies and synthetic classes (tests and the benchmark) ------------------------

WORDS = ("data", "val", "tmp", "res", "out", "arr", "mdl", "net", "item", "thing", "stuff", "foo",
         "bar", "acc", "total", "my", "the", "new", "buf", "value", "layer", "h", "z", "q")
COMMENTS = ("# compute it", "# TODO: check this", "# as in the lecture", "# helper",
            "# works now", "# build", "# see docs", "# loop over everything", "# note")


def required_names(stub: str) -> frozenset:
    """The functions a release stub defines: the names the tests call, which a copy keeps."""
    tree = parse_cell(stub)
    return frozenset(_bound_names(tree)[1]) if tree is not None else frozenset()


def disguise(source: str, rng: random.Random, keep: frozenset = frozenset()) -> str:
    """A disguised copy of an answer, as a student who copies would make it: every name it
    binds renamed (except ``keep``, the names the tests call), numbers and strings changed,
    adjacent independent statements and functions reordered, reformatted (``ast.unparse``),
    comments replaced, blank lines added. A source that does not parse comes back as is."""
    tree = parse_cell(source)
    if tree is None:
        return source
    bound, functions = _bound_names(tree)
    renames = {name: f"{rng.choice(WORDS)}_{name[:1]}{rng.randrange(100, 999)}" for name in sorted(bound - keep)}

    class Renamer(ast.NodeTransformer):
        def visit_Name(self, node):
            node.id = renames.get(node.id, node.id)
            return node

        def visit_arg(self, node):
            self.generic_visit(node)
            node.arg = renames.get(node.arg, node.arg)
            return node

        def visit_FunctionDef(self, node):
            self.generic_visit(node)
            node.name = renames.get(node.name, node.name)
            return node

        visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

        def visit_Call(self, node):
            own = isinstance(node.func, ast.Name) and node.func.id in functions
            self.generic_visit(node)
            for argument in node.keywords:
                if own and argument.arg in renames:
                    argument.arg = renames[argument.arg]
            rng.shuffle(node.keywords)  # keyword arguments in another order
            return node

        def visit_Constant(self, node):
            value = node.value
            if isinstance(value, bool) or value is None or rng.random() < 0.5:
                return node
            if isinstance(value, int):
                node.value = value + rng.choice((1, 2, 3))
            elif isinstance(value, float):
                node.value = round(value * rng.choice((0.5, 2.0, 1.5)), 8)
            elif isinstance(value, str) and value and "\n" not in value:
                node.value = value + rng.choice(("_", "2", "x"))
            return node

    tree = Renamer().visit(tree)
    _reorder(tree, rng)
    text = ast.unparse(ast.fix_missing_locations(tree))
    inside = set()  # lines within or ending a multi-line string: no comment goes there
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside.update(range(token.start[0], token.end[0] + 1))
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        indent = line[:len(line) - len(line.lstrip())]
        free = number not in inside
        if free and rng.random() < 0.25 and not line.lstrip().startswith(("else", "elif", "except", "finally")):
            out.append(indent + rng.choice(COMMENTS))
        out.append(line + (f"  {rng.choice(COMMENTS)}" if free and rng.random() < 0.15 else ""))
        if free and rng.random() < 0.15:
            out.append("")
    return "\n".join(out)


def _reads_writes(node) -> tuple[set, set]:
    reads, writes = set(), set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            (writes if isinstance(child.ctx, ast.Store) else reads).add(child.id)
    return reads, writes


def _reorder(tree, rng: random.Random) -> None:
    """Swap adjacent independent statements (functions, assignments that do not read each
    other's names) in every block, at random."""
    for node in ast.walk(tree):
        for name in BLOCK_FIELDS:
            block = getattr(node, name, None)
            if not isinstance(block, list) or len(block) < 2:
                continue
            for i in range(len(block) - 1):
                x, y = block[i], block[i + 1]
                defs = all(isinstance(s, (ast.FunctionDef, ast.ClassDef)) for s in (x, y))
                assigns = all(isinstance(s, ast.Assign) for s in (x, y))
                if assigns:
                    (rx, wx), (ry, wy) = _reads_writes(x), _reads_writes(y)
                    assigns = not (wx & (ry | wy)) and not (wy & rx)
                if (defs or assigns) and rng.random() < 0.7:
                    block[i], block[i + 1] = y, x


def _random_expression(rng: random.Random, depth: int) -> str:
    """A random numeric expression: what makes one synthetic student's code their own."""
    if depth == 0 or rng.random() < 0.3:
        return rng.choice(("x", "y", "n", "1", "2.5", "len(x)", "x.shape[0]", "x[0]", "y[-1]"))
    kind = rng.randrange(4)
    left, right = _random_expression(rng, depth - 1), _random_expression(rng, depth - 1)
    if kind == 0:
        return f"({left} {rng.choice('+-*/')} {right})"
    if kind == 1:
        return f"np.{rng.choice(('mean', 'sum', 'max', 'abs', 'sqrt', 'exp', 'log1p'))}({left})"
    if kind == 2:
        return f"{rng.choice(('min', 'max', 'round', 'pow'))}({left}, {right})"
    return f"[{left}, {right}][{rng.randrange(2)}]"


def _individual(source: str, rng: random.Random) -> str:
    """The answer with a few statements of the student's own (checks, prints, intermediate
    values) at the start of its first function's body, as real students write them."""
    tree = parse_cell(source)
    functions = [node for node in (tree.body if tree else []) if isinstance(node, ast.FunctionDef)]
    if not functions:
        return source
    own = [f"check_{i} = {_random_expression(rng, rng.randrange(2, 5))}"
           for i in range(rng.randrange(1, 4))]
    own.append(f"print({_random_expression(rng, 2)}, {_random_expression(rng, 2)})")
    body = functions[0].body
    position = 1 if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else 0
    body[position:position] = [ast.parse(statement).body[0] for statement in own]
    # the made-up names must exist for the code to make sense; what matters here is its shape
    return ast.unparse(tree)


def answer_pool(assignment: str, master_answers: dict[str, str]) -> dict[str, list[str]]:
    """Key -> the different answers a class writes: the master's and, where the repository's
    tests are at hand, those of ``tests/assignment_specs`` (other correct ways, real
    students' styles, noisy, mistaken, half-right and stub answers)."""
    pool = {key: [source] for key, source in master_answers.items()}
    from autograder.assignment import REPO
    path = REPO / "tests" / "assignment_specs" / f"{assignment}.py"
    if not path.is_file():  # a kit installed without its tests
        return pool
    loader = importlib.util.spec_from_file_location(f"_similarity_specs_{assignment}", path)
    spec = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(spec)
    for name in ("ALTERNATIVE", "STUDENT_STYLE", "NOISY"):
        for key, source in getattr(spec, name, {}).items():
            pool.setdefault(key, []).append(source)
    for name in ("WRONG", "CALIBRATED"):
        for key, variants in getattr(spec, name, {}).items():
            for variant in variants.values():
                pool.setdefault(key, []).append(variant[0] if isinstance(variant, tuple) else variant)
    for key, source in getattr(spec, "STUBS", {}).items():
        pool.setdefault(key, []).append(source)
    return pool


def synthetic_class(pool: dict[str, list[str]], keep: dict[str, frozenset], size: int, planted: int,
                    seed: int = 0) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """``size`` students (student id -> key -> answer source), of whom ``planted`` are disguised
    copies of others; returns the class and the planted (original, copy) pairs. Each other
    student answers each cell (5 % leave it blank) with an answer of the pool, disguised, and
    usually with statements of their own."""
    rng = random.Random(seed)
    honest = size - planted
    students = {}
    for i in range(honest):
        answers = {}
        for key, choices in pool.items():
            if rng.random() < 0.05:
                continue
            source = disguise(rng.choice(choices), rng, keep.get(key, frozenset()))
            answers[key] = _individual(source, rng) if rng.random() < 0.8 else source
        students[f"s{i:04d}"] = answers
    originals = rng.sample(sorted(students), planted)
    pairs = []
    for j, original in enumerate(originals):
        copy_id = f"c{j:04d}"
        students[copy_id] = {key: disguise(source, rng, keep.get(key, frozenset()))
                             for key, source in students[original].items()}
        pairs.append((original, copy_id))
    return students, pairs


def write_class(course: Path, assignment: str, students: dict[str, dict[str, str]]) -> None:
    """Write each student's answers into a copy of the release, as submitted/<student>/<assignment>/."""
    folder = course / "release" / assignment
    releases = {path.name: json.loads(path.read_text()) for path in sorted(folder.glob("*.ipynb"))}
    for student, answers in students.items():
        out = course / "submitted" / student / assignment
        out.mkdir(parents=True, exist_ok=True)
        for file_name, notebook in releases.items():
            notebook = copy.deepcopy(notebook)
            for cell in notebook["cells"]:
                if _grade_id(cell) in answers and _is_code_answer(cell):
                    cell["source"] = answers[_grade_id(cell)]
            (out / file_name).write_text(json.dumps(notebook))


def benchmark(sizes=(100, 300, 1000), assignment: str = "mnist", planted: int = 5, seed: int = 0,
              workers: int = 2, out=print) -> list[dict]:
    """Time the report on synthetic classes of each size (reading the notebooks, fingerprints,
    index, both files), and check that the planted copies are flagged and no other pair is.
    Prints one line a size (wall-clock seconds, and this process's processor seconds, all the
    work with ``workers=1``); returns the figures."""
    from autograder.assignment import REPO, load_assignment
    from autograder.course import copy_course
    from autograder.submissions import master_answers

    facts = load_assignment(assignment, REPO)
    masters = {}
    for master in facts.masters.values():
        masters.update(master_answers(master))
    settings = course_settings(REPO)
    with tempfile.TemporaryDirectory(prefix="kit-similarity-") as scratch:
        release = read_release(REPO, assignment, settings)
        pool = {key: answers for key, answers in answer_pool(assignment, masters).items() if key in release.keys}
        keep = {key: required_names(release.stub[key]) for key in release.keys}
        figures = []
        for size in sizes:
            course = copy_course(Path(scratch) / f"class-{size}", [assignment], repo=REPO)
            students, planted_pairs = synthetic_class(pool, keep, size, planted, seed + size)
            write_class(course, assignment, students)
            cpu = time.process_time()
            outcome = similarity_report(course, assignment, settings=settings, workers=workers)
            cpu = time.process_time() - cpu
            planted_set = {tuple(sorted(pair)) for pair in planted_pairs}
            flagged = {(pair.student_a, pair.student_b) for pair in outcome.pairs}
            found, others = len(flagged & planted_set), len(flagged - planted_set)
            best_other = max((score for score, a, b in outcome.top if (a, b) not in planted_set), default=0.0)
            figures.append({"students": size, "seconds": outcome.seconds, "cpu_seconds": cpu,
                            "planted": len(planted_pairs), "found": found, "other_flags": others,
                            "best_other_score": best_other, "candidates": outcome.candidates})
            out(f"similarity, {assignment}: {size:>5} students ({size * (size - 1) // 2:>7,} pairs, "
                f"{outcome.candidates:,} sharing code) in {outcome.seconds:5.1f} s wall, {cpu:5.1f} s CPU here "
                f"({workers} worker(s), load {os.getloadavg()[0]:.1f}); planted copies found "
                f"{found}/{len(planted_pairs)}; other pairs flagged {others} (best other score {best_other:.2f})")
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.similarity",
        description="Similarity report: pairs of students whose answers match, beyond the release "
                    "(reports/<assignment>/similarity.csv and .html).")
    parser.add_argument("assignment", nargs="?")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course folder (default: here)")
    parser.add_argument("--threshold", type=float,
                        help="flag pairs at or above this score (default: SimilarityReport.threshold "
                             "in nbgrader_config.py, else 0.8)")
    parser.add_argument("--benchmark", action="store_true",
                        help="time the report on synthetic classes instead (--sizes)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--workers", type=int, default=2,
                        help="processes that read and fingerprint the notebooks (default 2)")
    args = parser.parse_args(argv)
    if args.benchmark:
        benchmark(args.sizes, args.assignment or "mnist", workers=args.workers)
        return 0
    if not args.assignment:
        parser.error("name an assignment (or --benchmark)")
    settings = course_settings(args.course.resolve(), threshold=args.threshold)
    outcome = similarity_report(args.course, args.assignment, settings=settings, workers=args.workers)
    for student, notes in sorted(outcome.notes.items())[:20]:
        print(f"{student}: {'; '.join(notes)}")
    if len(outcome.notes) > 20:
        print(f"... and {len(outcome.notes) - 20} more students with notebooks missing or unreadable")
    print(f"{args.assignment}: {len(outcome.pairs)} pair(s) of {outcome.students} students at or above "
          f"{settings.threshold:g} in {outcome.seconds:.1f} s: {outcome.csv}, {outcome.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
