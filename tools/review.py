"""The review scan of a graded notebook: code that reaches for the grader, the tests, other
files or processes, or patches a library, flagged for an instructor to read.

:func:`review_reasons` reads each code cell with :mod:`ast` (IPython magics first taken out and
reported; a cell that still is not Python is searched with regexes) and says, in words, what
looks suspicious; :func:`student_cells` keeps only the cells a student wrote or changed.
``tools.grade`` puts the reasons in the grade book's ``review`` column. A flag is a reason to
read the code, not a verdict: nothing here changes a grade.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["code_cells", "review_reasons", "student_cells"]

#: Modules whose import alone is worth a look: the grader, the interpreter's internals, processes.
SUSPECT_MODULES = {
    "otter": "imports the grader (otter)",
    "tools": "imports the course's grading tools",
    "builtins": "touches builtins",
    "ctypes": "uses ctypes",
    "gc": "uses gc (reaches other objects)",
    "inspect": "uses inspect (frames, sources)",
    "importlib": "uses importlib",
    "subprocess": "starts processes (subprocess)",
    "multiprocessing": "starts processes (multiprocessing)",
    "shutil": "file operations (shutil)",
    "pathlib": "file operations (pathlib)",
    "signal": "uses signals",
    "socket": "uses the network (socket)",
    "pty": "uses pty",
}
#: os functions that touch files or processes.
OS_CALLS = re.compile(
    r"^(system|popen|spawn\w*|exec\w*|fork\w*|kill\w*|setsid|setpgrp|daemon|remove|unlink|rename|"
    r"replace|rmdir|removedirs|mkdir|makedirs|chdir|chmod|chown|listdir|scandir|walk|open|write|"
    r"truncate|symlink|link|utime)$"
)
#: Attributes that reach into the interpreter: frames, globals, every class.
SUSPECT_ATTRS = {
    "__builtins__": "touches __builtins__",
    "__globals__": "reads a function's globals",
    "__code__": "rewrites a function's code",
    "__subclasses__": "walks every class (__subclasses__)",
    "_getframe": "reads the call stack (sys._getframe)",
    "f_back": "reads the call stack (frames)",
    "f_globals": "reads the call stack (frames)",
    "f_locals": "reads the call stack (frames)",
    "settrace": "installs a tracer",
    "setprofile": "installs a profiler",
}
SUSPECT_CALLS = {
    "open": "opens a file",
    "__import__": "calls __import__",
    "exec": "calls exec",
    "eval": "calls eval",
    "compile": "calls compile",
}
#: Paths in string literals: the tests, the grader's files, other processes.
SUSPECT_TEXT = re.compile(r"/proc|tests/|_build|autograder|\.\./|/tmp/grading|otter|_sandbox")
#: Shell escapes and cell magics that run other languages or files.
MAGIC = re.compile(r"^\s*(!(?!=)|%%?(bash|sh|script|system|sx|run|load|writefile|capture)\b)", re.M)
#: The regex fallback, for cells that are not Python even without their magics.
FALLBACK = re.compile(
    r"\bopen\(|__import__|sys\.modules|__builtins__|\bimport\s+(otter|ctypes|gc|inspect|builtins|subprocess|"
    r"shutil)|\bos\.\w+\(|/proc|tests/|setattr\("
)
#: Module attributes that ordinary code sets (not a patch of the library's functions).
HARMLESS_SETTINGS = re.compile(r"^(torch\.backends\.|np\.set_printoptions|pd\.options\.|plt\.rcParams)")
#: What students call on the notebook's ``grader`` object.
GRADER_CALLS = {"check", "check_all", "export", "to_pdf", "run_plugin"}
COMMON_MODULE_NAMES = {
    "torch",
    "nn",
    "F",
    "np",
    "numpy",
    "math",
    "random",
    "string",
    "sys",
    "os",
    "pd",
    "plt",
}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _scan_tree(tree: ast.AST, modules: set[str]) -> list[str]:
    reasons: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                if top in SUSPECT_MODULES:
                    reasons.append(SUSPECT_MODULES[top])
                if top == "sys" and isinstance(node, ast.ImportFrom):
                    if any(a.name in {"modules", "_getframe", "settrace"} for a in node.names):
                        reasons.append("touches sys.modules or frames")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets: list[ast.expr] = (
                list(node.targets) if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            )
            while targets:
                target = targets.pop()
                if isinstance(target, ast.Tuple | ast.List):
                    targets += target.elts
                elif isinstance(target, ast.Starred):
                    targets.append(target.value)
                dotted = _dotted(target) if isinstance(target, ast.Attribute) else None
                if dotted and dotted.split(".")[0] in modules and not HARMLESS_SETTINGS.match(dotted):
                    reasons.append(f"patches a library: {dotted}")
        elif isinstance(node, ast.Call):
            func = _dotted(node.func) or ""
            if func in SUSPECT_CALLS:
                reasons.append(SUSPECT_CALLS[func])
            elif func in {"setattr", "delattr"} and node.args:
                patched = _dotted(node.args[0]) or ""
                if patched.split(".")[0] in modules:
                    reasons.append(f"patches a library: {func}({patched}, ...)")
            elif func.startswith("os.") and OS_CALLS.match(func.split(".")[-1]):
                reasons.append(f"file or process operation: {func}")
        if isinstance(node, ast.Name) and node.id in {"otter", "Checker"}:
            reasons.append("uses the grader (otter)")
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
        if "sandbox" in name.lower():
            reasons.append(f"names the grading sandbox: {name}")
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node) or ""
            if dotted.startswith("grader.") and node.attr not in GRADER_CALLS:
                reasons.append(f"uses the grader's internals: {dotted}")
            if node.attr in SUSPECT_ATTRS:
                reasons.append(SUSPECT_ATTRS[node.attr])
            elif dotted.startswith("sys.modules"):
                reasons.append("touches sys.modules")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            hit = SUSPECT_TEXT.search(node.value)
            if hit:
                reasons.append(f"names a grader path: {hit.group(0)!r}")
    return reasons


def review_reasons(sources: list[str]) -> list[str]:
    """Why code cells ``sources`` deserve an instructor's review: they reach for the grader,
    the tests, the interpreter's internals, other files or processes, or patch a library
    (``torch.allclose = ...``). Each Python cell is read with :mod:`ast` (its IPython magics
    first taken out and reported); a cell that still is not Python is searched with regexes.
    An empty list: nothing suspicious. The reasons come once each, in order of appearance."""
    reasons: list[str] = []
    modules = set(COMMON_MODULE_NAMES)
    trees = []
    for source in sources:
        for magic in MAGIC.finditer(source):
            reasons.append(f"shell or magic: {magic.group(1).strip()}")
        python = "\n".join(
            "" if line.lstrip().startswith(("!", "%")) else line for line in source.splitlines()
        )
        try:
            tree = ast.parse(python)
        except SyntaxError:
            hit = FALLBACK.search(source)
            if hit:
                reasons.append(f"unparsable cell with {hit.group(0)!r}")
            continue
        trees.append(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules |= {a.asname or a.name for a in node.names if a.name[:1].islower()}
    for tree in trees:
        reasons += _scan_tree(tree, modules)
    return list(dict.fromkeys(reasons))


def code_cells(notebook: Any) -> list[str]:
    """The source of every code cell of a notebook read as JSON (strings or lists of lines)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    out = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append("".join(source) if isinstance(source, list) else str(source))
    return out


def student_cells(notebook: Any, distributed: Path | None) -> list[str]:
    """The code cells the student wrote or changed: those not found, identical, in the
    distributed student notebook (its otter set-up, public tests and checks are not scanned)."""
    given: set[str] = set()
    if distributed is not None and distributed.is_file():
        try:
            given = set(code_cells(json.loads(distributed.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            given = set()
    return [c for c in code_cells(notebook) if c not in given]
