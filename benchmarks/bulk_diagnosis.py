"""``python -m benchmarks.bulk_diagnosis``: why the emulator spends more CPU on the SDK's bulk
requests than on the raw script's (figure 3). Not part of ``make bench``.

Same setup as figure 3 (a fresh emulator process per run, look-up off), with variants that each
change one thing:

* ``raw`` / ``sdk``: as in figure 3;
* ``raw, one write`` / ``sdk, one write``: the multipart body of the create encoded first and
  written to the socket in one piece, instead of one write per part header, part and
  delimiter (13 writes here). For the SDK this patches its private multipart body for the
  duration of the run (a diagnosis, not a benchmark of the SDK as shipped); the variant is
  skipped when the SDK has no such body. What this found (13 writes cost the emulator 40 %
  more CPU) is fixed in the SDK: its body now goes out in chunks of about 64 KiB, one write
  for a small document, so ``sdk`` and ``sdk, one write`` now measure the same thing;
* ``raw, keep-alive 64``: a pool that keeps as many connections alive as there are workers,
  where httpx's default keeps 20: with more requests in flight than kept-alive connections,
  httpx closes a connection after nearly every request (figure 3 counts them).

``--concurrency 1`` shows what concurrency has to do with it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import time
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx

from ._common import Stat, emulator, load, ratio_text, rotated
from .bulk_vs_raw import _items, raw_bulk, sdk_bulk

__all__ = ["main"]

VARIANTS = ("raw", "raw, one write", "raw, keep-alive 64", "sdk", "sdk, one write")


async def _whole(data: bytes) -> AsyncIterator[bytes]:
    yield data


@contextlib.contextmanager
def _sdk_body_in_one_write() -> Iterator[bool]:
    """Make the SDK's multipart body yield itself in one chunk; False if it cannot be done."""
    try:
        module = importlib.import_module("atlas_async._multipart")
        body_class = module.MultipartBody
    except (ImportError, AttributeError):
        yield False
        return
    original = body_class.__aiter__

    def one_write(self: object) -> AsyncIterator[bytes]:
        return _whole(b"".join(body_class.__iter__(self)))

    def chunks(self: object) -> Iterator[bytes]:
        # __iter__ may go through __aiter__ (it does today): give it the original while joining.
        body_class.__aiter__ = original
        try:
            yield from original_iter(self)
        finally:
            body_class.__aiter__ = one_write

    original_iter = body_class.__iter__
    body_class.__aiter__ = one_write
    body_class.__iter__ = chunks
    try:
        yield True
    finally:
        body_class.__aiter__ = original
        body_class.__iter__ = original_iter


def _run(name: str, n: int, concurrency: int, tag: str) -> tuple[float, float] | None:
    with emulator() as emu:
        url, key = emu.fields["ATLAS_BASE_URL"], emu.fields["ATLAS_API_KEY"]
        keys = [f"{tag}-{i}" for i in range(n)]
        cpu, started = emu.cpu(), time.perf_counter()
        if name.startswith("raw"):
            limits = (
                httpx.Limits(max_connections=100, max_keepalive_connections=64)
                if "keep-alive" in name
                else None
            )
            anyio.run(
                lambda: raw_bulk(
                    url,
                    key,
                    keys,
                    False,
                    concurrency=concurrency,
                    limits=limits,
                    one_write="one write" in name,
                )
            )
        else:
            with (
                _sdk_body_in_one_write() if "one write" in name else contextlib.nullcontext(True)
            ) as possible:
                if not possible:
                    return None
                anyio.run(sdk_bulk, url, key, _items(tag, n), False, None, concurrency)
        return time.perf_counter() - started, emu.cpu() - cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bulk_diagnosis", description=__doc__
    )
    parser.add_argument("--n", type=int, default=300, help="envelopes per run (default 300)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args(argv)
    wall: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for r in range(args.rounds):
        for name in rotated(VARIANTS, r):
            got = _run(name, args.n, args.concurrency, f"d{r}")
            if got is None:
                continue
            wall[name].append(got[0])
            cpu[name].append(got[1])
            print(f"  {name:<19} {got[0]:6.2f} s, emulator CPU {got[1]:5.2f} s ({load()})")
    print(
        f"\n{args.n} envelopes, concurrency {args.concurrency}, {args.rounds} rounds; "
        "emulator CPU ratio against raw of the same round\n"
    )
    print("| variant | wall s | emulator CPU s | emulator CPU vs raw |")
    print("|---|---|---|---|")
    for name in VARIANTS:
        ratios = [c / r for c, r in zip(cpu[name], cpu["raw"], strict=False) if r > 0]
        print(
            f"| {name} | {Stat.of(wall[name]).text()} | {Stat.of(cpu[name]).text()} "
            f"| {ratio_text(ratios) if cpu[name] else 'n/a'} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
