"""Imports go down the layers; modules state their job; no module-level mutable state."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).parents[1] / "scrubber"
LAYERS = [
    {"errors", "cache"},
    {"model", "checksums"},
    {"spec", "validators", "operators", "reach"},
    {"packs", "fakes"},
    {"prefilter", "matcher", "allow", "resolve", "redact", "report", "decode", "lint"},
    {"accel"},
    {"engine"},
    {"ruletest", "mail", "batch", "policyfile", "presidio", "stream"},
    {"cli"},
    {"__init__", "__main__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}
MODULES = sorted(PKG.rglob("*.py"))


def _unit(path: Path) -> str:
    """The layered unit a file belongs to: a top-level module, or its subpackage."""
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else path.stem


def _imports(path: Path, tree: ast.Module) -> set[str]:
    """Top-level scrubber units that ``path`` imports (imports inside its own subpackage skip)."""
    depth = len(path.relative_to(PKG).parts)  # 1 for a top-level module, 2 in a subpackage
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != depth:
            continue
        if node.module:
            found.add(node.module.split(".")[0])
        else:
            found.update(a.name for a in node.names)
    return found


def test_every_module_has_a_layer() -> None:
    assert {_unit(p) for p in MODULES} <= set(LAYER)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_only_go_down(path: Path) -> None:
    tree = ast.parse(path.read_text())
    unit = _unit(path)
    mine = LAYER[unit]
    for dep in _imports(path, tree):
        assert LAYER[dep] < mine, f"{unit} (layer {mine}) imports {dep} (layer {LAYER[dep]})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_states_its_job(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text()))
    assert doc, f"{path.stem} needs a docstring"
    assert doc.splitlines()[0].endswith("."), f"{path.stem}: first line must state its job"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_level_mutable_state(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            bad = isinstance(value, ast.List | ast.Set | ast.Dict) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in {"list", "set", "defaultdict", "Counter"})
            assert not bad, f"{path.stem}:{node.lineno} module-level mutable container"
