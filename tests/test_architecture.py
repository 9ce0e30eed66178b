"""The house rules, enforced: who may import whom (see ARCHITECTURE.md).

Every ``import`` in ``atlas_async/`` is read with :mod:`ast` (function-level imports included,
since a lazy import is still a dependency) and checked against the layers:

* ``_generated`` imports nothing hand-written;
* ``testing`` (the emulator) imports nothing of the SDK but itself and ``_version``: it is an
  independent implementation of the contract;
* a core module never imports a feature package (cli, testing, bulk, webhooks, oauth, contrib)
  at module level;
* no module reaches into another package's private module or private name (``cli`` may not
  import ``bulk._manifest``), while every package may use the core's modules;
* httpx (or httpx2) is imported only by ``_http`` (the client layer's one HTTP module), the
  emulator's own ``testing/_http`` and ``_generated``;
* ``atlas_async.__all__`` equals the names re-exported under ``TYPE_CHECKING``;
* hand-written code uses no private function of the generated endpoint modules.

The last tests plant a violation of each rule in a copy of the package and check that the
checker reports it, so the rules cannot silently stop being checked.
"""

from __future__ import annotations

import ast
import functools
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import atlas_async

PACKAGE = Path(atlas_async.__file__).resolve().parent
FEATURES = frozenset({"cli", "testing", "bulk", "webhooks", "oauth", "contrib"})
HTTP_LIBRARIES = frozenset({"httpx", "httpx2"})
HTTP_MODULES = frozenset({"atlas_async._http", "atlas_async.testing._http"})
# What the emulator may use of the SDK: nothing but its own package (and the version string).
EMULATOR_ALLOWED = frozenset({"atlas_async._version"})


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module, dotted and absolute
    names: tuple[str, ...]  # names imported from it (``from x import a, b``)
    top_level: bool  # at module level (not inside a function or TYPE_CHECKING block)
    line: int


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


@functools.cache
def _tree(source: str) -> ast.Module:
    """The parsed source, once per distinct text: the planted-violation tests check copies of
    the package whose files are, but for one, the same as the package's."""
    return ast.parse(source)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, root: Path) -> list[Import]:
    module = _module_name(path, root)
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(module, alias.name, (), top, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, is_package, child.level, child.module)
                names = tuple(a.name for a in child.names)
                found.append(Import(module, target, names, top, child.lineno))
                # ``from . import _http`` imports a module too.
                for name in names:
                    found.append(Import(module, f"{target}.{name}", (), top, child.lineno))
            elif isinstance(child, ast.If) and _is_type_checking(child):
                visit(child, False)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, top and isinstance(child, ast.ClassDef))
            else:
                visit(child, top)

    visit(_tree(path.read_text(encoding="utf-8")), True)
    return found


def _package_of(module: str) -> str:
    """The package a module belongs to: ``atlas_async.bulk`` for ``atlas_async.bulk._runner``,
    ``atlas_async`` for the core (``atlas_async._client``, ``atlas_async._resources.x``)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in FEATURES:
        return ".".join(parts[:2])
    if len(parts) > 1 and parts[1] == "_generated":
        return "atlas_async._generated"
    return "atlas_async"


def _private_part(target: str, package: str) -> str | None:
    """The first ``_private`` component of ``target`` below ``package``, if any."""
    rest = target[len(package) :].lstrip(".").split(".") if target.startswith(package) else []
    for part in rest:
        if part.startswith("_") and not part.startswith("__"):
            return part
    return None


def violations(root: Path) -> list[str]:
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        for imp in imports_of(path, root):
            where = f"{path.relative_to(root.parent)}:{imp.line}"
            problems.extend(f"{where}: {p}" for p in _check(imp))
    problems.extend(_check_exports(root))
    problems.extend(_check_generated_privates(root))
    return problems


def _check_generated_privates(root: Path) -> list[str]:
    """Hand-written code uses only the generated endpoints' public functions: a regeneration
    may rename a private helper (``_get_kwargs``, ``_parse_response``) without notice."""
    private: set[str] = set()
    for path in (root / "_generated" / "api").rglob("*.py"):
        for node in _tree(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name.startswith("_")
                and not node.name.startswith("__")
            ):
                private.add(node.name)
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if "_generated" in path.relative_to(root).parts:
            continue
        for name, line in _names_used(path.read_text(encoding="utf-8")):
            if name in private:
                where = f"{path.relative_to(root.parent)}:{line}"
                found.append(f"{where}: uses the generated endpoints' private {name}")
    return found


@functools.cache
def _names_used(source: str) -> tuple[tuple[str, int], ...]:
    """Every attribute name and string constant in ``source`` (``getattr(m, "_x")`` counts)."""
    used = []
    for node in ast.walk(_tree(source)):
        if isinstance(node, ast.Attribute):
            used.append((node.attr, node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.append((node.value, node.lineno))
    return tuple(used)


def _check(imp: Import) -> list[str]:
    found: list[str] = []
    source, target = imp.module, imp.target
    source_pkg = _package_of(source)
    top = target.split(".")[0]
    if (
        top in HTTP_LIBRARIES
        and source not in HTTP_MODULES
        and source_pkg != "atlas_async._generated"
    ):
        found.append(f"{source} imports {top}: only {sorted(HTTP_MODULES)} may")
    if not target.startswith("atlas_async"):
        return found
    target_pkg = _package_of(target)
    if source_pkg == "atlas_async._generated" and target_pkg != source_pkg:
        found.append(f"_generated imports hand-written code ({target})")
    if (
        source_pkg == "atlas_async.testing"
        and target_pkg != source_pkg
        and target not in (*EMULATOR_ALLOWED, "atlas_async")
    ):
        found.append(f"the emulator imports the SDK ({target})")
    if (
        source_pkg == "atlas_async"
        and source != "atlas_async.__main__"  # the command-line entry point
        and target_pkg != source_pkg
        and target_pkg != "atlas_async._generated"
        and imp.top_level
    ):
        found.append(f"core module {source} imports {target} at module level")
    if target_pkg != source_pkg and target_pkg not in ("atlas_async", "atlas_async._generated"):
        private = _private_part(target, target_pkg)
        names = [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
        if private or names:
            found.append(f"{source} reaches into {target_pkg}'s private {private or names[0]}")
    return found


def _check_exports(root: Path) -> list[str]:
    """``__all__`` (built from the lazy table) must equal the TYPE_CHECKING re-exports."""
    init = root / "__init__.py"
    tree = _tree(init.read_text(encoding="utf-8"))
    typed: set[str] = set()
    lazy: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in ast.walk(node):
                if isinstance(child, ast.ImportFrom):
                    typed.update(a.asname or a.name for a in child.names)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "_LAZY":
            for child in ast.walk(node.value):  # type: ignore[arg-type]
                if (
                    isinstance(child, ast.Constant)
                    and isinstance(child.value, str)
                    and not child.value.startswith(".")
                ):
                    lazy.add(child.value)
    problems = []
    if typed != lazy:
        problems.append(
            f"atlas_async/__init__.py: __all__ and the TYPE_CHECKING re-exports differ: "
            f"only lazy {sorted(lazy - typed)}, only typed {sorted(typed - lazy)}"
        )
    return problems


# The package as it is ------------------------------------------------------------------------


def test_the_package_keeps_the_house_rules() -> None:
    assert violations(PACKAGE) == []


def test_all_matches_the_lazy_table_and_every_name_resolves() -> None:
    assert atlas_async.__all__[0] == "__version__"
    assert atlas_async.__all__[1:] == sorted(atlas_async.__all__[1:])
    for name in atlas_async.__all__:
        assert getattr(atlas_async, name) is not None, name


def test_no_hand_written_module_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if "_generated" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}


# Planted violations: the checker must catch each ----------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "atlas_async"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    assert violations(target) == []
    return target


def _plant(root: Path, relative: str, line: str) -> None:
    path = root / relative
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "line", "expected"),
    [
        ("_generated/types.py", "from atlas_async._errors import AtlasError", "hand-written"),
        ("testing/_clock.py", "from atlas_async._client import Atlas", "the emulator imports"),
        ("testing/_clock.py", "def f():\n    from .. import _models", "the emulator imports"),
        ("_client.py", "from .bulk import send_all", "at module level"),
        ("_resources/_base.py", "import atlas_async.webhooks", "at module level"),
        ("cli/_common.py", "from ..bulk._manifest import read_manifest", "private _manifest"),
        ("webhooks/_http.py", "from atlas_async.oauth import _store", "private _store"),
        ("_retry.py", "import httpx", "imports httpx"),
        ("bulk/_runner.py", "def f():\n    import httpx2", "imports httpx2"),
        ("__init__.py", "if TYPE_CHECKING:\n    from ._client import Extra as Extra", "differ"),
        ("_resources/_call.py", "def f(m):\n    return m._get_kwargs()", "private _get_kwargs"),
        ("_resources/_seam.py", "X = getattr(object, '_parse_response', None)", "private _parse"),
    ],
)
def test_a_planted_violation_is_reported(
    copy: Path, relative: str, line: str, expected: str
) -> None:
    _plant(copy, relative, line)
    found = violations(copy)
    assert any(expected in problem for problem in found), found


def test_lazy_imports_from_the_core_to_features_are_allowed(copy: Path) -> None:
    # A core module may load a feature lazily, inside a function (import stays cheap).
    _plant(copy, "_client.py", "def f():\n    from .bulk import send_all")
    assert violations(copy) == []
