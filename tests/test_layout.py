"""The flow is one-way and only ``storage/`` speaks SQL: no module under ``bot/``
imports SQLAlchemy (it names the session type as ``storage.db.Session``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sqlalchemy_imports(source: str) -> list[int]:
    """Line numbers of every ``import sqlalchemy…`` / ``from sqlalchemy… import``,
    at any depth (function-level imports count too)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "sqlalchemy" or name.startswith("sqlalchemy.") for name in names):
            lines.append(node.lineno)
    return lines


def test_the_detector_sees_every_form_of_import() -> None:
    source = (
        "import os, sqlalchemy.orm\n"
        "from sqlalchemy import select\n"
        "def f():\n"
        "    from sqlalchemy.orm import Session\n"
        "import sqlalchemy_utils\n"  # another package: not SQLAlchemy
        "from storage.db import Session\n"
    )
    assert sqlalchemy_imports(source) == [1, 2, 4]


def test_no_module_under_bot_imports_sqlalchemy() -> None:
    modules = sorted((ROOT / "bot").rglob("*.py"))
    assert len(modules) > 40  # the walk really found the package
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in modules
        for line in sqlalchemy_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "SQL belongs in storage/: " + ", ".join(offenders)
