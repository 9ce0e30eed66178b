"""Where the pipeline's inputs and outputs live, relative to one project root.

Every command takes ``--root`` so tests can run the real pipeline on a temporary copy of the tree
and never touch the working copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_ROOT", "Layout"]

DEFAULT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Layout:
    """The files one codegen run reads and writes."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "openapi.json"

    @property
    def overrides(self) -> Path:
        return self.root / "overrides"

    @property
    def config(self) -> Path:
        return self.overrides / "config.yaml"

    @property
    def patches(self) -> Path:
        return self.overrides / "patches"

    @property
    def tolerant(self) -> Path:
        return self.overrides / "tolerant-reader.json"

    @property
    def templates(self) -> Path:
        return self.overrides / "templates"

    @property
    def generated(self) -> Path:
        return self.root / "atlas_async" / "_generated"

    def rel(self, path: Path) -> str:
        """``path`` relative to the root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
