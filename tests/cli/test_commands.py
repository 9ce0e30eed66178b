"""The single-envelope commands, their JSON output, and the exit code of each error class."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import anyio
import pytest

from atlas_async import Atlas

from .conftest import CLI, PDF, Emulator

COMMANDS = [
    [],
    ["send"],
    ["bulk-send"],
    ["status"],
    ["wait"],
    ["download"],
    ["void"],
    ["remind"],
    ["list"],
    ["templates"],
    ["templates", "list"],
    ["templates", "send"],
    ["accounts"],
    ["accounts", "create"],
    ["accounts", "list"],
    ["emulator"],
    ["login"],
    ["logout"],
]


def test_every_command_has_help(cli: CLI) -> None:
    for command in COMMANDS:
        result = cli(*command, "--help")
        assert result.code == 0, (command, result.err)
        assert result.out.startswith("Usage: atlas-async"), command


def test_send_status_list_remind_void(cli: CLI, emulator: Emulator) -> None:
    before = emulator.fake.credits()
    sent = cli(
        "send",
        "contract.pdf",
        "--signer",
        "jane@example.com:Jane Roe:Customer",
        "--signer",
        "bob@example.com",
        "--metadata",
        "deal=42",
        "--json",
    )
    assert sent.code == 0, sent.err
    env = json.loads(sent.out)
    eid = env["envelope_id"]
    assert env["status"] == "pending"
    assert env["metadata"]["deal"] == "42"
    assert [(p["email"], p["name"], p["role"]) for p in env["parties"]] == [
        ("jane@example.com", "Jane Roe", "Customer"),
        ("bob@example.com", "bob", "Signer"),
    ]
    assert emulator.fake.credits() == before - 1

    status = cli("status", eid, "--json")
    assert status.code == 0
    assert json.loads(status.out)["next_signer_email"] == "jane@example.com"

    human = cli("status", eid)
    assert human.code == 0
    assert "pending" in human.out

    listed = cli("list", "--status", "pending", "--json")
    assert [row["envelope_id"] for row in json.loads(listed.out)] == [eid]
    assert cli("list", "--status", "draft", "--json").out.strip() == "[]"
    assert cli("list").out.startswith(f"{eid}  pending  ")

    reminded = cli("remind", eid, "--json")
    assert json.loads(reminded.out)["reminded_email"] == "jane@example.com"
    again = cli("remind", eid)  # one reminder per signer per hour
    assert again.code == 8
    assert again.err.startswith("atlas-async: error: 429")
    assert len(again.err.strip().splitlines()) == 1

    voided = cli("void", eid, "--reason", "wrong terms", "--json")
    assert voided.code == 0
    assert json.loads(voided.out)["status"] == "voided"
    assert emulator.fake.credits() == before  # refunded: nobody had signed


def _sign_when_pending(emulator: Emulator, done: threading.Event) -> None:
    """Plays the signer while `send --wait` blocks the test's thread: signs the first envelope
    that goes out. Bounded by a deadline; the test fails if it never found one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pending = [e for e in emulator.fake.envelopes() if e["status"] == "pending"]
        if pending:
            emulator.sign(str(pending[0]["envelope_id"]))
            done.set()
            return
        time.sleep(0.01)


def test_send_wait_then_download(cli: CLI, emulator: Emulator, tmp_path: Path) -> None:
    signed = threading.Event()
    signer = threading.Thread(target=_sign_when_pending, args=(emulator, signed), daemon=True)
    signer.start()
    sent = cli("send", "contract.pdf", "--signer", "jane@example.com", "--wait")
    signer.join(timeout=30)
    assert signed.is_set()
    assert sent.code == 0, sent.err
    assert sent.err.startswith("sent ")  # "sent <id>; waiting for signatures..."
    eid = sent.err.split()[1].rstrip(";")
    assert "signed" in sent.out

    downloaded = cli("download", eid, "-o", "signed.pdf", "--json")
    assert downloaded.code == 0, downloaded.err
    assert json.loads(downloaded.out)["bytes"] > 0
    pdf = (tmp_path / "signed.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")

    # "-" is standard output: the PDF's bytes and nothing else, and no file named "-".
    piped = cli("download", eid, "-o", "-")
    assert piped.code == 0, piped.err
    assert piped.out_bytes == pdf
    assert piped.err == ""
    assert not (tmp_path / "-").exists()
    assert cli("download", eid, "-o", "-", "--json").out_bytes == pdf


def test_wait_exit_codes(cli: CLI, emulator: Emulator) -> None:
    eid = json.loads(cli("send", "contract.pdf", "--signer", "a@example.com", "--json").out)[
        "envelope_id"
    ]
    timed_out = cli("wait", eid, "--timeout", "0.3")
    assert timed_out.code == 13
    assert "not signed within" in timed_out.err

    not_signed = cli("download", eid, "-o", "x.pdf")
    assert not_signed.code == 7
    to_stdout = cli("download", eid, "-o", "-")
    assert (to_stdout.code, to_stdout.out_bytes) == (7, b"")  # nothing on stdout, one error line
    assert len(to_stdout.err.strip().splitlines()) == 1

    anyio.run(lambda: emulator.fake.decline(eid, "no thanks"))
    declined = cli("wait", eid, "--json")
    assert declined.code == 12
    err = json.loads(declined.err)["error"]
    assert err["type"] == "EnvelopeDeclinedError"
    assert err["exit_code"] == 12


def test_wait_exits_0_once_signed(cli: CLI, emulator: Emulator) -> None:
    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--json")
    eid = json.loads(sent.out)["envelope_id"]
    emulator.sign(eid)
    waited = cli("wait", eid, "--json")
    assert waited.code == 0, waited.err
    assert json.loads(waited.out)["status"] == "signed"


def _sent(cli: CLI) -> str:
    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--json")
    return str(json.loads(sent.out)["envelope_id"])


def test_wait_on_several_prints_each_as_it_ends(cli: CLI, emulator: Emulator) -> None:
    signed, declined = _sent(cli), _sent(cli)
    emulator.sign(signed)
    anyio.run(lambda: emulator.fake.decline(declined, "no thanks"))
    waited = cli("wait", signed, declined)
    assert waited.code == 12, waited.err  # one was declined
    assert sorted(waited.out.splitlines()) == sorted([f"{signed}  signed", f"{declined}  declined"])


def test_wait_reads_ids_from_stdin_and_reports_each_in_json(cli: CLI, emulator: Emulator) -> None:
    signed, pending = _sent(cli), _sent(cli)
    emulator.sign(signed)
    missing = "00000000-0000-4000-8000-000000000000"
    waited = cli("wait", "-", "--timeout", "0.5", "--json", input=f"{signed}\n\n{pending}\n")
    assert waited.code == 13, waited.err  # one was still pending at the deadline
    rows = {row["envelope_id"]: row for row in json.loads(waited.out)}
    assert rows[signed]["status"] == "signed"
    assert rows[signed]["source"] == "poll"
    assert rows[pending] == {"envelope_id": pending, "status": "pending"}

    unknown = cli("wait", signed, missing, "--json")
    assert unknown.code == 5, unknown.err
    assert {r["status"] for r in json.loads(unknown.out)} == {"signed", "not_found"}

    assert cli("wait", signed, signed).code == 0  # a repeated id is waited for once
    empty = cli("wait", "-", input="\n")
    assert empty.code == 2
    assert "no envelope ids" in empty.err
    bad = cli("wait", signed, "..")
    assert bad.code == 2  # refused before any request


def test_error_exit_codes(cli: CLI, emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a pdf")
    no_key = cli("list", env={"ATLAS_API_KEY": None})
    assert no_key.code == 3
    assert no_key.err.strip() == (
        "atlas-async: error: no Atlas API key: set the ATLAS_API_KEY environment variable "
        "(or pass --api-key), or run `atlas-async login`"
    )

    bad_key = cli("list", env={"ATLAS_API_KEY": "atlas_live_wrong"})
    assert bad_key.code == 3
    assert "atlas_live_wrong" not in bad_key.err  # never echo a credential

    assert cli("status", "00000000-0000-0000-0000-000000000000").code == 5
    assert cli("send", "notes.txt", "--signer", "a@example.com").code == 11
    bad_signer = cli("send", "contract.pdf", "--signer", "not-an-email")
    assert bad_signer.code == 2
    assert "not an email address" in bad_signer.err
    missing = cli("send", "contract.pdf")
    assert missing.code == 2
    assert "--signer" in missing.err

    emulator.fake.set_credits(0)
    broke = cli("send", "contract.pdf", "--signer", "a@example.com")
    assert broke.code == 6
    assert "402" in broke.err


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_connection_error_names_the_host_and_where_the_url_came_from(cli: CLI) -> None:
    port = _closed_port()
    key = cli.env["ATLAS_API_KEY"]
    assert key is not None

    from_env = cli("list", env={"ATLAS_BASE_URL": f"http://127.0.0.1:{port}"})
    assert from_env.code == 9
    [line] = from_env.err.strip().splitlines()
    assert line.endswith(f"; cannot reach 127.0.0.1:{port} (the URL from ATLAS_BASE_URL)"), line

    # A user:password@ in the URL, like the key, never reaches the output.
    with_userinfo = f"http://someone:hunter2@127.0.0.1:{port}"
    from_flag = cli("list", "--base-url", with_userinfo, "--json", env={"ATLAS_BASE_URL": None})
    assert from_flag.code == 9
    err = json.loads(from_flag.err)["error"]
    assert (err["host"], err["base_url_source"], err["exit_code"]) == (
        f"127.0.0.1:{port}",
        "--base-url",
        9,
    )
    assert err["message"].endswith(f"; cannot reach 127.0.0.1:{port} (the URL from --base-url)")
    for secret in ("hunter2", "someone", key):
        assert secret not in from_env.err + from_flag.err


def finish_with(error: Exception) -> object:
    """The exit code of `finish` (where every command ends) for a body that raises ``error``."""
    from atlas_async.cli._common import Options, finish

    async def body() -> int:
        raise error

    opts = Options(api_key=None, base_url=None, account=None, as_json=False, debug=False)
    with pytest.raises(SystemExit) as info:
        finish(opts, body)
    return info.value.code


def test_the_default_url_is_named_as_the_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reaching the default (https://atlaswork.ai) would leave the machine, so the connection
    # error is raised by the body, through the same `finish` every command ends in.
    from atlas_async import APIConnectionError

    monkeypatch.delenv("ATLAS_BASE_URL", raising=False)
    assert (
        finish_with(APIConnectionError("connection error on GET /api/envelopes: ConnectError")) == 9
    )
    assert capsys.readouterr().err == (
        "atlas-async: error: connection error on GET /api/envelopes: ConnectError; cannot reach "
        "atlaswork.ai (the default URL https://atlaswork.ai; set ATLAS_BASE_URL or pass "
        "--base-url for another server)\n"
    )


def test_server_errors_after_retries_exit_10(cli: CLI, emulator: Emulator) -> None:
    fault = emulator.fake.faults.add("status", "GET /api/envelopes", status=503, count=None)
    result = cli("list", "--json")
    assert result.code == 10, result.err
    err = json.loads(result.err)["error"]
    assert (err["status"], err["exit_code"]) == (503, 10)
    assert "host" not in err  # the server answered: no "cannot reach" hint
    assert fault.fired > 1  # retried before giving up


def test_templates_and_connected_accounts(cli: CLI, emulator: Emulator) -> None:
    platform = emulator.fake.create_org(platform=True, credits=50)
    assert platform.platform_key is not None
    as_platform: dict[str, str | None] = {"ATLAS_API_KEY": platform.platform_key}

    created = cli(
        "accounts", "create", "acme", "--name", "Acme Inc", "--initial-credits", "3",
        "--billing-mode", "child_pays", "--json", env=as_platform,
    )  # fmt: skip
    assert created.code == 0, created.err
    assert json.loads(created.out)["created"] is True
    listed = cli("accounts", "list", "--json", env=as_platform)
    assert [a["external_id"] for a in json.loads(listed.out)] == ["acme"]
    assert cli("accounts", "list", env=as_platform).out.startswith("acme")
    assert cli("accounts", "list").code == 4  # not a platform key

    async def upload() -> tuple[str, str]:
        async with Atlas(
            api_key=platform.platform_key, base_url=emulator.url, account="ext_acme"
        ) as atlas:
            fields = [{"type": "signature", "page": 1, "x_pct": 0.1, "y_pct": 0.8,
                       "w_pct": 0.3, "h_pct": 0.05}]  # fmt: skip
            tmpl = await atlas.templates.upload("NDA", PDF, fields=fields)
            return str(tmpl.template_id), str(tmpl.roles[0])

    template_id, role = anyio.run(upload)
    scoped = {**as_platform, "ATLAS_ACCOUNT": "ext_acme"}
    templates = cli("templates", "list", "--json", env=scoped)
    assert [t["template_id"] for t in json.loads(templates.out)] == [template_id]
    assert cli("templates", "list", env=as_platform).out.strip() == ""

    unknown_key = cli(
        "templates", "send", template_id, "--signer", f"c@example.com:Cara:{role}",
        "--prefill", "company=Acme", env=scoped,
    )  # fmt: skip
    assert unknown_key.code == 11  # the template has no prefill keys: 400, nothing sent
    assert "unknown_prefill_key" in unknown_key.err
    sent = cli(
        "templates", "send", template_id, "--signer", f"c@example.com:Cara:{role}", "--json",
        env=scoped,
    )  # fmt: skip
    assert sent.code == 0, sent.err
    eid = json.loads(sent.out)["envelope_id"]
    # --account (here via ATLAS_ACCOUNT) scoped it: the platform's own org does not see it.
    assert cli("status", eid, env=as_platform).code == 5
    assert cli("status", eid, "--account", "ext_acme", env=as_platform).code == 0
    assert emulator.fake.credits("ext_acme") == 2


def test_send_with_a_webhook_url_sets_it_on_the_envelope(cli: CLI, emulator: Emulator) -> None:
    hook = "https://hooks.example.com/atlas"
    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--webhook-url", hook, "--json")
    assert sent.code == 0, sent.err
    eid = json.loads(sent.out)["envelope_id"]
    [env] = [e for e in emulator.fake.envelopes() if str(e["envelope_id"]) == eid]
    assert env["webhook_url"] == hook


def test_an_unexpected_error_exits_1_and_says_it_is_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No request can make the CLI hit a bug on purpose, so the error path runs on its own: the
    # same `finish` every command ends in, with a body that fails the way a bug would.
    assert finish_with(RuntimeError("boom")) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "atlas-async: error: boom",
        "atlas-async: this is a bug; --debug shows the traceback",
    ]
