"""Reading the code of notebook cells: as the Python IPython runs, and the names it binds."""

import ast
from collections.abc import Iterator

from IPython.core.inputtransformer2 import TransformerManager

from autograder.markers import BEGIN_HIDDEN, END_HIDDEN


def cell_name(cell, index: int) -> str:
    """How a person finds a cell: its nbgrader id, else its position ("#12")."""
    return cell.metadata.get("nbgrader", {}).get("grade_id") or f"#{index + 1}"


def python_source(source: str) -> str:
    """The cell as the Python that IPython runs: magics and shell lines become
    ``get_ipython()`` calls, continuation lines stay what they are."""
    return TransformerManager().transform_cell(source)




def hidden_test_lines(source: str) -> Iterator[tuple[int, str, str]]:
    """Each line of a test cell as (number from 1, line, kind): kind is "begin" or "end" for
    a hidden-tests marker line, "hidden" between them, "visible" elsewhere."""
    hidden = False
    for number, line in enumerate(source.splitlines(), 1):
        if line.strip() in (BEGIN_HIDDEN, END_HIDDEN):
            hidden = line.strip() == BEGIN_HIDDEN
            yield number, line, "begin" if hidden else "end"
        else:
            yield number, line, "hidden" if hidden else "visible"


def parse(source: str) -> ast.Module | None:
    """The cell's syntax tree, or None where it is not valid Python."""
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def _top_level(tree):
    """Statements that run at cell level: into if/for/with/try blocks, not into function bodies."""
    for node in tree.body:
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    yield from _top_level(ast.Module(body=[child], type_ignores=[]))


def bindings(source: str) -> dict[str, str]:
    """Names a cell binds at cell level, with their origin ("module:numpy", "numpy.pi", "code")."""
    tree = parse(source)
    if tree is None:
        return {}
    names = {}
    for node in _top_level(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = alias.name if alias.asname else alias.name.split(".")[0]
                names[alias.asname or module] = f"module:{module}"
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = "code"
        else:
            targets = {ast.Assign: lambda n: n.targets, ast.AugAssign: lambda n: [n.target],
                       ast.AnnAssign: lambda n: [n.target], ast.For: lambda n: [n.target],
                       ast.With: lambda n: [item.optional_vars for item in n.items if item.optional_vars]}
            for kind, get in targets.items():
                if isinstance(node, kind):
                    for target in get(node):
                        for leaf in ast.walk(target):
                            if isinstance(leaf, ast.Name) and isinstance(leaf.ctx, ast.Store):
                                names[leaf.id] = "code"
    return names
