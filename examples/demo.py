"""`make demo`: the whole signing flow, step by step, with timings.

Without configuration it starts the Atlas emulator in process (no network, no sockets) and plays
both signers itself. With ATLAS_API_KEY and ATLAS_BASE_URL set it talks to that server instead and
waits for real people to sign (ATLAS_DEMO_SIGNERS="Jane <jane@example.com>, Sam <sam@example.com>",
ATLAS_DEMO_TIMEOUT seconds, default 900).

    python examples/demo.py [--out signed.pdf] [--document path.pdf]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

from atlas_async import Atlas, Party
from atlas_async.samples import SAMPLE_PDF

DEFAULT_SIGNERS = "Jane Doe <jane@example.com>, Sam Roe <sam@example.com>"
ROLES = ("Customer", "Supplier")


class Steps:
    """Prints one line per step: elapsed time, step name, envelope id, detail."""

    def __init__(self, write: Callable[[str], None] = print) -> None:
        self.started = time.monotonic()
        self.write = write

    def __call__(self, step: str, detail: str, envelope_id: object | None = None) -> None:
        elapsed = time.monotonic() - self.started
        env = f"envelope {envelope_id}  " if envelope_id is not None else ""
        self.write(f"[{elapsed:6.2f}s] {step:<9} {env}{detail}")


def parse_signers(text: str) -> list[Party]:
    parties = []
    for i, item in enumerate(p.strip() for p in text.split(",") if p.strip()):
        match = re.fullmatch(r"(.+?)\s*<([^>]+)>", item)
        name, email = (match.group(1), match.group(2)) if match else (item.split("@")[0], item)
        parties.append(Party(email=email, name=name, role=ROLES[i] if i < len(ROLES) else "Signer"))
    if len(parties) < 1:
        raise SystemExit("ATLAS_DEMO_SIGNERS names no signer")
    return parties


async def run_flow(
    atlas: Atlas,
    document: Path,
    parties: list[Party],
    out: Path,
    *,
    sign: Callable[[str, Party], Awaitable[None]] | None,
    sign_timeout: float,
    step: Steps,
) -> Path:
    """create -> wait for fields -> send -> (sign) -> wait until signed -> download."""
    created = await atlas.envelopes.create(document, parties=parties)
    eid = str(created.envelope_id)
    step("create", f"draft from {document.name}; field detection {created.fields_status}", eid)

    env = await atlas.envelopes.wait_for_fields(eid, timeout=120)
    step(
        "fields",
        f"{env.fields_status}: {len(env.fields)} field(s), version {env.fields_version}",
        eid,
    )

    env = await atlas.envelopes.send(eid)
    first = next((p for p in env.parties if p.status == "pending"), None)
    step("send", f"{env.status}; first to sign: {first.name if first else '?'}", eid)

    async with anyio.create_task_group() as tg:
        if sign is not None:

            async def signers() -> None:
                for party in parties:
                    await sign(eid, party)
                    step("sign", f"{party.name} <{party.email}> signed", eid)

            tg.start_soon(signers)
        else:
            step("wait", f"waiting up to {sign_timeout:.0f} s for the signers (emails sent)", eid)
        done = await atlas.envelopes.wait_until_signed(
            eid, timeout=sign_timeout, poll_interval=0.2 if sign else 5.0
        )
    step("signed", f"{done.signed_count}/{done.total} signed (seen by {done.source})", eid)

    path = await atlas.envelopes.download_signed_pdf(eid, out)
    size = (await anyio.Path(path).stat()).st_size
    step("download", f"{path} ({size} bytes)", eid)
    return path


async def demo_emulator(document: Path, out: Path, step: Steps) -> Path:
    import httpx

    from atlas_async.testing import FakeAtlas

    fake = FakeAtlas(detection_delay=0.5)
    step("emulator", f"Atlas emulator in process at {fake.base_url} (no network)")
    http = httpx.AsyncClient(transport=fake.transport())
    parties = parse_signers(DEFAULT_SIGNERS)

    async def sign(envelope_id: str, party: Party) -> None:
        await anyio.sleep(0.3)  # a person reading the document before signing
        await fake.sign(envelope_id, email=party.email)

    async with http, Atlas(fake.api_key, base_url=fake.base_url, http_client=http) as atlas:
        path = await run_flow(atlas, document, parties, out, sign=sign, sign_timeout=60, step=step)
    step("credits", f"{fake.credits()} credit(s) left of 5 (one spent on the send)")
    return path


async def demo_live(document: Path, out: Path, step: Steps) -> Path:
    parties = parse_signers(os.environ.get("ATLAS_DEMO_SIGNERS", DEFAULT_SIGNERS))
    timeout = float(os.environ.get("ATLAS_DEMO_TIMEOUT", "900"))
    async with Atlas() as atlas:  # ATLAS_API_KEY / ATLAS_BASE_URL / ATLAS_ACCOUNT
        step("server", f"{atlas.base_url}; signers: {', '.join(p.email for p in parties)}")
        return await run_flow(
            atlas, document, parties, out, sign=None, sign_timeout=timeout, step=step
        )


async def main(argv: list[str] | None = None, write: Callable[[str], None] = print) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("signed.pdf"))
    parser.add_argument("--document", type=Path, default=SAMPLE_PDF)
    args = parser.parse_args(argv)
    step = Steps(write)
    live = bool(os.environ.get("ATLAS_API_KEY") and os.environ.get("ATLAS_BASE_URL"))
    if live:
        return await demo_live(args.document, args.out, step)
    return await demo_emulator(args.document, args.out, step)


if __name__ == "__main__":
    try:
        anyio.run(main, sys.argv[1:])
    except KeyboardInterrupt:
        raise SystemExit(130) from None
