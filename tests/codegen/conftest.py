"""Fixtures for the codegen tests: a throw-away copy of the project tree and a CLI runner.

This directory has no ``__init__.py`` on purpose: as a package it would be importable as
``codegen`` and shadow the real ``codegen`` package under test. Every test that writes runs the real pipeline on a copy under ``tmp_path``, so the working tree
is never dirtied.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen._cli import main
from codegen._paths import DEFAULT_ROOT


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of openapi.json, overrides/ and atlas_async/_generated."""
    root = tmp_path / "project"
    (root / "atlas_async").mkdir(parents=True)
    shutil.copy2(DEFAULT_ROOT / "openapi.json", root / "openapi.json")
    shutil.copytree(DEFAULT_ROOT / "overrides", root / "overrides")
    shutil.copytree(
        DEFAULT_ROOT / "atlas_async" / "_generated",
        root / "atlas_async" / "_generated",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return root


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``python -m codegen`` in process and capture what it printed."""

    def _run(*args: str | Path) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run
