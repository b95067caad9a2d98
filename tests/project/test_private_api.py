"""Application code uses public APIs of Django and libraries only: a new
`obj._private` access (or an import of a private name or module) fails here.
None remains (the last, the comment insert's `_state`, went in the
simplify issue's part (c)): a private use would have to be listed in
REMAINING with where it is and why."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["newsroom", "infra", "caching", "articles", "comments", "wpimport"]

# Our own attributes kept on objects of ours or on the request.
OWN = {"_host", "_nav_sections"}

# Private accesses still in the code, by name and file: none.
REMAINING: dict[str, set[str]] = {}


def application_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(), str(path))


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def own_names() -> set[str]:
    """Names the application defines: functions, classes, module and local
    variables, arguments, and attributes set on self or cls."""
    names = set(OWN)
    for _path, tree in application_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[-1])
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                names.add(node.attr)
    return names


def private_uses() -> dict[str, set[str]]:
    own = own_names()
    found: dict[str, set[str]] = {}
    for path, tree in application_files():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Attribute) and is_private(node.attr):
                if node.attr not in own and node.attr != "_meta":  # documented
                    names.append(node.attr)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                module = node.module or ""
                if any(is_private(part) for part in module.split(".")):
                    names.append(f"import {module}")
                names += [f"import {a.name}" for a in node.names if is_private(a.name)]
            for name in names:
                found.setdefault(name, set()).add(where)
    return found


def beyond(found: dict, known: dict) -> dict:
    """The places of `found` that `known` does not list, by name."""
    extra = {name: places - known.get(name, set()) for name, places in found.items()}
    return {name: places for name, places in extra.items() if places}


def test_no_new_private_access_to_django_or_a_library():
    new = beyond(private_uses(), REMAINING)
    assert not new, f"private API used (use a public one): {new}"


def test_the_list_of_remaining_private_accesses_is_current():
    """An access that has gone leaves the list too, so it cannot come back."""
    gone = beyond(REMAINING, private_uses())
    assert not gone, f"no longer used: remove from REMAINING: {gone}"


def test_the_check_sees_a_private_access(tmp_path, monkeypatch):
    """The scanner itself: a Django-private access in a module is found."""
    package = tmp_path / "infra"
    package.mkdir()
    (package / "bad.py").write_text("def f(qs):\n    return qs._result_cache\n")
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "ROOT", tmp_path)
    monkeypatch.setattr(this, "PACKAGES", ["infra"])
    assert private_uses() == {"_result_cache": {"infra/bad.py"}}
