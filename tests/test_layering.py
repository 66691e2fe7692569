"""Imports point one way: routes -> services -> domain/models (see docs/style)."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _app_imports(folder: str) -> dict[str, set[str]]:
    return {
        str(p.relative_to(APP)): {n for n in _imports(p) if n == "app" or n.startswith("app.")}
        for p in (APP / folder).rglob("*.py")
    }


def test_domain_is_pure() -> None:
    for module, names in _app_imports("domain").items():
        assert all(n.startswith("app.domain") for n in names), (module, names)
    frameworks = {"fastapi", "starlette", "sqlalchemy", "sqlmodel", "jinja2"}
    for path in (APP / "domain").rglob("*.py"):
        assert not {n.split(".")[0] for n in _imports(path)} & frameworks, path


def test_models_import_only_models_and_domain_value_types() -> None:
    """A model may import a domain enum so that no enum exists twice (never services etc.)."""
    for module, names in _app_imports("models").items():
        assert all(n.startswith(("app.models", "app.domain")) for n in names), (module, names)


@pytest.mark.parametrize("folder", ["services", "domain", "models"])
def test_lower_layers_never_import_routes(folder: str) -> None:
    for module, names in _app_imports(folder).items():
        assert not any(n.startswith("app.routes") for n in names), (module, names)


def test_models_do_not_use_postponed_annotations() -> None:
    for path in (APP / "models").rglob("*.py"):
        assert "from __future__ import annotations" not in path.read_text(), path
