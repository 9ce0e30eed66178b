"""``atlas-async emulator sign | decline | credits | detection``, in process with click's CliRunner,
against an emulator served on 127.0.0.1 (the ``emulator`` fixture: ``fake.serve()``)."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from click.testing import CliRunner, Result

from atlas_async.cli._app import cli

from .conftest import PDF, Emulator

PARTIES = [
    {"email": "ann@example.com", "name": "Ann Lee", "role": "Customer"},
    {"email": "bob@example.com", "name": "Bob Ray", "role": "Vendor"},
]


def run(emulator: Emulator, *args: str, **env: str | None) -> Result:
    environment: dict[str, str | None] = {
        "ATLAS_BASE_URL": emulator.url,
        "ATLAS_API_KEY": emulator.api_key,
        "ATLAS_ACCOUNT": None,
        **env,
    }
    return CliRunner().invoke(cli, ["emulator", *args], env=environment)


def sent_envelope(emulator: Emulator) -> str:
    headers = {"Authorization": f"Bearer {emulator.api_key}"}
    with httpx.Client(base_url=emulator.url, headers=headers) as c:
        r = c.post(
            "/api/envelope", files={"file": ("c.pdf", PDF)}, data={"parties": json.dumps(PARTIES)}
        )
        eid = str(r.json()["envelope_id"])
        assert c.post(f"/api/envelope/{eid}/send", json={}).status_code == 200
    return eid


def test_sign_as_the_next_signer_then_all(emulator: Emulator) -> None:
    eid = sent_envelope(emulator)
    first = run(emulator, "sign", eid)
    assert first.exit_code == 0, first.stderr
    assert "ann@example.com" in first.output
    assert "pending" in first.output
    rest = run(emulator, "sign", eid, "--all", "--json")
    assert rest.exit_code == 0, rest.stderr
    assert json.loads(rest.output) == {
        "envelope_id": eid,
        "status": "signed",
        "signed": ["bob@example.com"],
    }
    assert emulator.fake.envelope(eid)["status"] == "signed"


def test_sign_errors_have_their_exit_codes(emulator: Emulator) -> None:
    eid = sent_envelope(emulator)
    assert run(emulator, "sign", eid, "--all").exit_code == 0
    nobody = run(emulator, "sign", eid)
    assert nobody.exit_code == 7  # CONFLICT
    assert nobody.stderr.strip() == (
        "atlas-async: error: 409 nobody_due: Nobody is due to sign: the envelope is signed."
    )
    unknown = run(emulator, "sign", "no-such-envelope", "--json")
    assert unknown.exit_code == 5  # NOT_FOUND
    assert json.loads(unknown.stderr)["error"]["exit_code"] == 5
    wrong_key = run(emulator, "sign", eid, ATLAS_API_KEY="atlas_live_wrong")
    assert wrong_key.exit_code == 3  # AUTH
    assert "atlas_live_wrong" not in wrong_key.stderr


def test_decline_needs_a_reason(emulator: Emulator) -> None:
    eid = sent_envelope(emulator)
    assert run(emulator, "decline", eid).exit_code == 2  # usage: --reason is required
    declined = run(emulator, "decline", eid, "--reason", "Wrong price")
    assert declined.exit_code == 0, declined.stderr
    assert "declined" in declined.output
    env = emulator.fake.envelope(eid)
    assert (env["status"], env["metadata"]["decline_reason"]) == ("declined", "Wrong price")
    assert run(emulator, "decline", eid, "--reason", "again").exit_code == 7


def test_credits_show_and_add(emulator: Emulator) -> None:
    before = emulator.fake.credits()
    shown = run(emulator, "credits")
    assert shown.exit_code == 0, shown.stderr
    assert shown.output.split() == ["credits", str(before)]
    added = run(emulator, "credits", "add", "7", "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.output) == {"credits": before + 7}
    assert emulator.fake.credits() == before + 7
    for bad in (["add", "0"], ["add"], ["7"], ["add", "x"]):
        assert run(emulator, "credits", *bad).exit_code == 2, bad  # usage errors, nothing sent
    assert emulator.fake.credits() == before + 7


def test_detection_for_the_next_envelope(emulator: Emulator) -> None:
    done = run(emulator, "detection", "failed", "--count", "1")
    assert done.exit_code == 0, done.stderr
    headers = {"Authorization": f"Bearer {emulator.api_key}"}
    with httpx.Client(base_url=emulator.url, headers=headers) as c:
        ids = [c.post("/api/envelope", files={"file": ("c.pdf", PDF)}).json() for _ in range(2)]
    statuses = [emulator.fake.envelope(r["envelope_id"])["fields_status"] for r in ids]
    assert statuses == ["failed", "ready"]


def test_without_a_url_or_key_or_emulator(emulator: Emulator) -> None:
    no_url = run(emulator, "credits", ATLAS_BASE_URL=None)
    assert no_url.exit_code == 2
    assert "ATLAS_BASE_URL" in no_url.stderr
    no_key = run(emulator, "credits", ATLAS_API_KEY=None)
    assert no_key.exit_code == 3
    assert "ATLAS_API_KEY" in no_key.stderr
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    refused = run(emulator, "credits", ATLAS_BASE_URL=closed)
    assert refused.exit_code == 9  # CONNECTION
    assert "cannot reach" in refused.stderr


@pytest.mark.parametrize("verb", ["sign", "decline", "credits", "detection"])
def test_each_verb_has_help(verb: str) -> None:
    result = CliRunner().invoke(cli, ["emulator", verb, "--help"])
    assert result.exit_code == 0
    assert "--base-url" in result.output
