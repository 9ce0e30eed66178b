"""Every ``python`` block of the documentation (``docs/**/*.md``), run against the emulator.

Page by page: each page gets its own emulator, served on 127.0.0.1 and already holding one signed
envelope, a bot that signs whatever goes out, and a folder holding ``contract.pdf``,
``contract.docx`` and ``contracts/acme.pdf``. The examples configure themselves from
``ATLAS_API_KEY`` / ``ATLAS_BASE_URL`` exactly as a user's code would. The blocks of a page run in
order in one namespace, as in ``python -m asyncio``: top-level ``await`` is allowed, and a block
without any (a script ending in ``anyio.run(main)``) runs in a worker thread, where it may start
its own event loop.

Markers, alone on the line before a block:

- ``<!-- docs-test: pytest -->``: the block is a test file; pytest runs it in a subprocess.
- ``<!-- docs-test: skip: REASON -->``: the block is not run, and the reason is required.

A block whose first line is ``# needs: a platform key`` runs with a platform org's key.
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from atlas_async import Atlas, Party
from atlas_async.samples import SAMPLE_DOCX, SAMPLE_PDF
from atlas_async.testing import FakeAtlas

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```", re.M | re.S)
MARK = re.compile(r"<!-- docs-test: (.*?) -->")
PLATFORM = "# needs: a platform key"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the block's first line of code in the page
    code: str
    mark: str | None  # "pytest", "skip: <reason>", or None: run it

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found: list[Block] = []
    for match in FENCE.finditer(text):
        if match.group(1) != "python":
            continue
        previous = text[: match.start()].rstrip("\n").rpartition("\n")[2]
        marker = MARK.fullmatch(previous.strip())
        line = text.count("\n", 0, match.start()) + 2
        found.append(Block(page, line, match.group(2), marker.group(1) if marker else None))
    # A python block that the pattern missed (indented, or spelled ```py) would silently not run.
    assert len(found) == len(re.findall(r"^[ \t]*```[ \t]*py", text, re.M)), (
        f"{page}: a python fence not at column 0"
    )
    return found


PAGES = sorted(page for page in DOCS.rglob("*.md") if blocks(page))
RUN_PAGES = [page for page in PAGES if any(block.mark is None for block in blocks(page))]


def test_every_example_runs_or_says_why_not() -> None:
    every = [block for page in PAGES for block in blocks(page)]
    for block in every:
        assert block.mark in (None, "pytest") or (
            block.mark.startswith("skip: ") and len(block.mark) > len("skip: ") + 10
        ), f"{block}: unknown marker {block.mark!r}, or a skip without a reason"
    assert len([b for b in every if b.mark is None]) >= 20
    assert len([b for b in every if b.mark == "pytest"]) >= 2


def _compile(block: Block) -> Any:
    # Padded so that a traceback names the line of the page, not of the block.
    source = "\n" * (block.line - 1) + block.code
    return compile(source, str(block.page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


async def _run(block: Block, namespace: dict[str, Any]) -> None:
    code = _compile(block)
    if code.co_flags & inspect.CO_COROUTINE:
        with anyio.fail_after(60):
            await eval(code, namespace)
    else:
        await anyio.to_thread.run_sync(exec, code, namespace)


async def _signer_bot(fake: FakeAtlas, stop: anyio.Event) -> None:
    """Signs, as each party in turn, every envelope of the default org that is out for signing."""
    while not stop.is_set():
        for env in fake.envelopes():
            if env["status"] == "pending":
                await fake.sign(env["envelope_id"])
        with anyio.move_on_after(0.05):
            await stop.wait()


async def _seed_a_signed_envelope(fake: FakeAtlas, url: str) -> None:
    async with Atlas(fake.api_key, base_url=url) as atlas:
        env = await atlas.envelopes.create_and_send(
            SAMPLE_PDF, parties=[Party(email="seed@example.com", name="Seed", role="Customer")]
        )
    await fake.sign(str(env.envelope_id))


def _folder(path: Path) -> None:
    shutil.copy(SAMPLE_PDF, path / "contract.pdf")
    shutil.copy(SAMPLE_DOCX, path / "contract.docx")
    (path / "contracts").mkdir()
    shutil.copy(SAMPLE_PDF, path / "contracts" / "acme.pdf")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The logging page configures logging as a user would: undo it for the tests that follow."""
    loggers = [logging.getLogger(), logging.getLogger("atlas_async")]
    saved = [(logger, logger.level, list(logger.handlers)) for logger in loggers]
    yield
    for logger, level, handlers in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)  # setLevel, not an assignment: it also clears the level caches


@pytest.mark.anyio
@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("page", RUN_PAGES, ids=[str(p.relative_to(DOCS)) for p in RUN_PAGES])
async def test_page_examples_run(
    page: Path, fake: FakeAtlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runnable = [block for block in blocks(page) if block.mark is None]
    _folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    for name in ("ATLAS_ACCOUNT", "ATLAS_ALLOW_INSECURE_HTTP", "ATLAS_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    fake.set_credits(20)
    fake.add_document("https://example.com/contract.pdf", SAMPLE_PDF.read_bytes())
    platform_key = fake.create_org(platform=True, credits=5).platform_key
    assert platform_key is not None
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    stop = anyio.Event()
    async with fake.serve() as url, anyio.create_task_group() as tg:
        monkeypatch.setenv("ATLAS_BASE_URL", url)
        await _seed_a_signed_envelope(fake, url)
        tg.start_soon(_signer_bot, fake, stop)
        try:
            for block in runnable:
                key = platform_key if block.code.startswith(PLATFORM) else fake.api_key
                monkeypatch.setenv("ATLAS_API_KEY", key)
                await _run(block, namespace)
        finally:
            stop.set()


TEST_FILES = [block for page in PAGES for block in blocks(page) if block.mark == "pytest"]


@pytest.mark.parametrize("block", TEST_FILES, ids=[str(b) for b in TEST_FILES])
def test_page_test_files_pass(block: Block, tmp_path: Path) -> None:
    """A test file in the docs passes under pytest, run as a user runs it: its own process."""
    path = tmp_path / f"test_{block.page.stem}_{block.line}.py"
    path.write_text(block.code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    # Only the plugin the examples need (anyio's): the dev environment's others (schemathesis,
    # hypothesis...) are not the reader's, and would triple the start-up time.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "anyio", "-p", "no:cacheprovider"]
    command += ["-W", "error"]
    result = subprocess.run(
        [*command, "--rootdir", str(tmp_path), str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{block}:\n{output}"
    assert re.search(r"\b[1-9]\d* passed", output), output
