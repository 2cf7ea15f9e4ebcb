"""Normalisation and fingerprints: an answer cell -> statements of normalised tokens -> the
hashes of their k-grams (steps 1 to 3 of the docstring of ``autograder.similarity``).
"""

import ast
import builtins
import copy
import hashlib
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

MAX_CELL_CHARS = 200_000  # an answer cell is read up to this many characters
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


class _Normaliser(ast.NodeTransformer):
    """Rewrites a cell's tree in place into its normalised form (see the docstring of ``autograder.similarity``)
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
    """Append to ``out`` the statements of a normalised block and of the blocks inside it:
    a compound statement's header, then its body's statements."""
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
