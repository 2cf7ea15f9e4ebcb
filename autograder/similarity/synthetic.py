"""Disguised copies and synthetic classes, for the tests and the benchmark: ``disguise`` copies
an answer as a student who copies would, ``synthetic_class`` makes a class with planted
copies, ``benchmark`` times the report on such classes and checks what it flags.
"""

import ast
import copy
import importlib.util
import io
import json
import os
import random
import tempfile
import time
import tokenize
from pathlib import Path

from autograder.similarity.fingerprints import BLOCK_FIELDS, parse_cell
from autograder.similarity.reading import cell_grade_id, is_code_answer, read_release
from autograder.similarity.report import similarity_report
from autograder.similarity.settings import course_settings

WORDS = ("data", "val", "tmp", "res", "out", "arr", "mdl", "net", "item", "thing", "stuff", "foo",
         "bar", "acc", "total", "my", "the", "new", "buf", "value", "layer", "h", "z", "q")
COMMENTS = ("# compute it", "# TODO: check this", "# as in the lecture", "# helper",
            "# works now", "# build", "# see docs", "# loop over everything", "# note")


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
    """The names a statement reads and the names it assigns."""
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
    from autograder.notebook.assignment import REPO
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
                if cell_grade_id(cell) in answers and is_code_answer(cell):
                    cell["source"] = answers[cell_grade_id(cell)]
            (out / file_name).write_text(json.dumps(notebook))


def benchmark(sizes=(100, 300, 1000), assignment: str = "mnist", planted: int = 5, seed: int = 0,
              workers: int = 2, out=print) -> list[dict]:
    """Time the report on synthetic classes of each size (reading the notebooks, fingerprints,
    index, both files), and check that the planted copies are flagged and no other pair is.
    Prints one line a size (wall-clock seconds, and this process's processor seconds, all the
    work with ``workers=1``); returns the figures."""
    from autograder.notebook.assignment import REPO, load_assignment
    from autograder.coordinator.course import copy_course
    from autograder.notebook.submissions import master_answers

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
