"""The engine never imports the service: checked statically (every import statement, and
import_module/__import__ with a literal name, in every module of recognition_engine), so a
lazy or conditional import fails too, not only one made at import time."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("api", "fastapi", "starlette", "sqlalchemy", "uvicorn", "alembic")


def _imported(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("import_module", "__import__"):
                yield node.lineno, node.args[0].value


def test_no_module_of_the_engine_imports_the_service_or_its_frameworks():
    found = []
    for path in sorted((ROOT / "recognition_engine").rglob("*.py")):
        for line, module in _imported(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if module.split(".")[0] in FORBIDDEN:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not found, "\n".join(found)


def test_the_check_catches_a_lazy_import():
    lazy = "def f():\n    from api.cli import add_parser\n    import importlib\n    importlib.import_module('api.db')\n"
    assert [m for _, m in _imported(ast.parse(lazy))] == ["api.cli", "importlib", "api.db"]


def test_the_service_registers_its_commands_through_the_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["recognition_engine.commands"]["service"]
    module, _, function = target.partition(":")
    import argparse
    import importlib

    sub = argparse.ArgumentParser().add_subparsers(dest="command")
    getattr(importlib.import_module(module), function)(sub)
    assert set(sub.choices) == {"keys", "worker", "decisions", "purge", "audit", "serve"}


def test_the_engine_command_line_has_its_own_commands():
    from recognition_engine.cli import build_parser

    parser = build_parser()
    for argv in (["demo"], ["rank", "x"], ["assess", "x"], ["validate", "credentials", "x"], ["batch", "x", "--out", "y"],
                 ["transcripts", "x"], ["evaluate", "--catalogue", "a", "--credentials", "b", "--gold", "c"],
                 ["calibrate", "--decisions", "d"]):
        assert parser.parse_args(argv).func
