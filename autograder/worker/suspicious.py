"""Code a TA may want to look at: listed in the class report, never scored.

The grade does not depend on it: the judge (autograder/judge/) runs every check outside the
student's kernel, so code that reaches into IPython, the interpreter or the modules the
tests use can only change what the student's own kernel answers. Such code is still
worth a look (it may be an attempt, or a reason why a notebook behaves oddly), so each
line of it is listed with the reason, for a person to read.
"""

import ast

from nbgrader.utils import determine_grade

from autograder.nbgrader_ext.hints import keras2_hint
from autograder.notebook.source import bindings, cell_name, parse
from autograder.markers import CHECK_PREFIXES

# Attributes and names that reach into IPython, the interpreter, or the judge's channel.
INTERNALS = {
    "set_custom_exc": "changes how IPython reports errors",
    "input_transformers_cleanup": "rewrites the code IPython runs",
    "input_transformers_post": "rewrites the code IPython runs",
    "ast_transformers": "rewrites the code IPython runs",
    "events": "hooks into IPython's cell events",
    "excepthook": "changes how errors are reported",
    "settrace": "traces the interpreter",
    "setprofile": "traces the interpreter",
    "_getframe": "reads the interpreter's frames",
    "currentframe": "reads the interpreter's frames",
    "__code__": "swaps a function's code",
    "__globals__": "reaches a function's module namespace",
    "__builtins__": "changes the builtins",
    "builtins": "changes the builtins",
    "modules": "swaps loaded modules (sys.modules)",
    "importlib": "reloads or swaps modules",
    "ctypes": "writes the interpreter's memory",
    "publish_display_data": "changes what the kernel sends to the grader",
    "display_pub": "changes what the kernel sends to the grader",
    "serialize_keras_object": "changes how Keras objects are described to the grader",
}
TESTED_MODULES = {"helpers", "numpy", "keras", "tensorflow", "IPython", "sys"}
MAGIC_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}  # what IPython makes of % and !


def suspicious_lines(notebook) -> list[str]:
    """'cell <id> line <n>: <code> (<why>)' for each line of the student's cells worth a look."""
    listed, shared = [], {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("locked") and not meta.get("solution"):
            shared.update(bindings(cell.source))
            continue
        tree = parse(cell.source)
        if tree is None:
            continue
        # what the tests use: the set-up's names, and the same modules under the student's names
        used = set(shared) | {name for name, origin in bindings(cell.source).items()
                              if origin.split(":")[-1].split(".")[0] in TESTED_MODULES}
        lines = cell.source.splitlines()
        for number, why in sorted(set(_findings(tree, used))):
            code = lines[number - 1].strip() if 0 < number <= len(lines) else ""
            listed.append(f"cell {cell_name(cell, index)} line {number}: {code[:100]} ({why})")
    return listed


def keras2_cells(notebook) -> list[str]:
    """'test <id>: ...' for each test cell that lost points to a Keras-2 habit (``lr=``,
    ``np_utils``, ``'ReLU'``, ``predict_classes``...): the grade counts what the code does in
    the course's Keras 3, where it fails; a TA may credit the logic with the formgrader's
    manual grade. The error is read where it shows: the test cell's checks, or an answer
    cell that failed before the test ran."""
    listed, habit = [], None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        text = "\n".join(output.get("text", "") if output.output_type == "stream"
                         else f"{output.get('ename')}: {output.get('evalue')}"
                         for output in cell.get("outputs", []) if output.output_type in ("stream", "error"))
        found = keras2_hint(text) if text else None
        if meta.get("solution"):
            habit = found  # an answer cell broken by a Keras-2 habit: the tests of its part fail by it
        if meta.get("grade") and not meta.get("solution"):
            score, points = determine_grade(cell)
            hint = found or habit
            if hint and score is not None and points and score < points:
                listed.append(f"test {cell_name(cell, index)} scored {score:g} of {points:g} because of a "
                              f"Keras 2 API ({hint}); the logic may deserve credit: read the answer and "
                              "set a manual grade in the formgrader")
    return listed


def _findings(tree, used):
    magic = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr in MAGIC_CALLS}
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                root = (getattr(node, "module", None) or alias.name).split(".")[0]
                if root in INTERNALS:
                    yield node.lineno, INTERNALS[root]
        if name in INTERNALS:
            yield node.lineno, INTERNALS[name]
        elif name == "get_ipython" and not any(id(parent) in magic for parent in _parents(tree, node)):
            yield node.lineno, "uses the IPython shell"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "vars", "setattr"):
            yield node.lineno, f"changes names through {node.func.id}()"
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in used \
                and node.id.startswith(CHECK_PREFIXES):
            yield node.lineno, f"redefines {node.id}, a check of the tests"
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in used:
                yield node.lineno, f"changes {ast.unparse(node)}, which the tests use"


def _parents(tree, target):
    """The attribute nodes that hold ``target`` as their value (get_ipython().run_line_magic)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call) and node.value.func is target:
            yield node
