"""Imports point one way: routes -> services -> domain/models (see docs/style)."""

import ast
import enum
import importlib
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
            # `from app import errors` imports app.errors: count the module named too.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
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
    for module, names in _app_imports("models").items():
        assert all(n.startswith(("app.models", "app.domain")) for n in names), (module, names)


@pytest.mark.parametrize("folder", ["services", "domain", "models"])
def test_lower_layers_never_import_routes(folder: str) -> None:
    for module, names in _app_imports(folder).items():
        assert not any(n.startswith("app.routes") for n in names), (module, names)


def test_models_do_not_use_postponed_annotations() -> None:
    for path in (APP / "models").rglob("*.py"):
        assert "from __future__ import annotations" not in path.read_text(), path


WEB_LAYER = ("fastapi", "starlette", "app.routes", "app.errors", "app.templating", "app.deps")


def _is_web(name: str) -> bool:
    return any(name == web or name.startswith(f"{web}.") for web in WEB_LAYER)


@pytest.mark.parametrize("folder", ["services", "domain"])
def test_services_and_domain_import_nothing_of_the_web_layer(folder: str) -> None:
    for path in (APP / folder).rglob("*.py"):
        web = {n for n in _imports(path) if _is_web(n)}
        assert not web, (str(path.relative_to(APP)), web)


def test_pythainlp_is_imported_by_one_module() -> None:
    importers = sorted(
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if any(n.split(".")[0] in {"pythainlp", "nlpo3"} for n in _imports(path))
    )
    assert importers == ["domain/thai_nlp.py"]


def _enums() -> list[type[enum.Enum]]:
    """Every Enum subclass defined (not merely imported) in a module of app/."""
    found = []
    for path in APP.rglob("*.py"):
        name = ".".join(("app", *path.relative_to(APP).with_suffix("").parts))
        module = importlib.import_module(name.removesuffix(".__init__"))
        found.extend(
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, enum.Enum)
            and value.__module__ == module.__name__
        )
    return found


def test_no_enum_is_defined_twice() -> None:
    """By name (ItemStatus in models and domain) or by values under another name
    (VoteMethod mirroring Method)."""
    enums = _enums()
    assert len(enums) > 10, "the walk found too few enums: it is broken"
    by_name: dict[str, list[str]] = {}
    by_values: dict[frozenset[object], list[str]] = {}
    for found in enums:
        where = f"{found.__module__}.{found.__qualname__}"
        by_name.setdefault(found.__name__, []).append(where)
        by_values.setdefault(frozenset(m.value for m in found), []).append(where)
    assert not {name: places for name, places in by_name.items() if len(places) > 1}
    assert not [places for places in by_values.values() if len(places) > 1]


def test_clustering_takes_tokens_and_never_segments() -> None:
    assert "app.domain.thai_nlp" not in _imports(APP / "domain" / "clustering.py")
