"""The single-envelope commands, their JSON output, and the exit code of each error class."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import httpx
import pytest

from atlas_async import Atlas

from .conftest import CLI, PDF, Emulator, console_script

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


def test_every_command_has_help() -> None:
    exe = console_script()
    for command in COMMANDS:
        proc = subprocess.run(
            [exe, *command, "--help"], capture_output=True, text=True, timeout=30, check=False
        )
        assert proc.returncode == 0, (command, proc.stderr)
        assert proc.stdout.startswith("Usage: atlas-async"), command


def test_python_dash_m_runs_the_same_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "atlas_async", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("atlas-async, version ")


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


def test_send_wait_then_download(cli: CLI, emulator: Emulator, tmp_path: Path) -> None:
    proc = cli.popen("send", "contract.pdf", "--signer", "jane@example.com", "--wait")
    assert proc.stderr is not None
    first = proc.stderr.readline()  # "sent <id>; waiting for signatures..."
    assert first.startswith("sent "), first
    eid = first.split()[1].rstrip(";")
    anyio.run(lambda: emulator.fake.sign(eid))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "signed" in out

    downloaded = cli("download", eid, "-o", "signed.pdf", "--json")
    assert downloaded.code == 0, downloaded.err
    assert json.loads(downloaded.out)["bytes"] > 0
    assert (tmp_path / "signed.pdf").read_bytes().startswith(b"%PDF")


def test_wait_exit_codes(cli: CLI, emulator: Emulator) -> None:
    eid = json.loads(cli("send", "contract.pdf", "--signer", "a@example.com", "--json").out)[
        "envelope_id"
    ]
    timed_out = cli("wait", eid, "--timeout", "0.3")
    assert timed_out.code == 13
    assert "not signed within" in timed_out.err

    not_signed = cli("download", eid, "-o", "x.pdf")
    assert not_signed.code == 7

    anyio.run(lambda: emulator.fake.decline(eid, "no thanks"))
    declined = cli("wait", eid, "--json")
    assert declined.code == 12
    err = json.loads(declined.err)["error"]
    assert err["type"] == "EnvelopeDeclinedError"
    assert err["exit_code"] == 12


def test_error_exit_codes(cli: CLI, emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a pdf")
    no_key = cli("list", env={"ATLAS_API_KEY": ""})
    assert no_key.code == 3
    assert "ATLAS_API_KEY" in no_key.err
    assert "atlas-async login" in no_key.err
    assert "Atlas(api_key=" not in no_key.err

    bad_key = cli("list", env={"ATLAS_API_KEY": "atlas_live_wrong"})
    assert bad_key.code == 3
    assert "atlas_live_wrong" not in bad_key.err  # never echo a credential

    assert cli("status", "00000000-0000-0000-0000-000000000000").code == 5
    assert cli("send", "notes.txt", "--signer", "a@example.com").code == 11
    bad_signer = cli("send", "contract.pdf", "--signer", "not-an-email")
    assert bad_signer.code == 2
    assert "not an email address" in bad_signer.err

    emulator.fake.set_credits(0)
    broke = cli("send", "contract.pdf", "--signer", "a@example.com")
    assert broke.code == 6
    assert "402" in broke.err

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    offline = cli("list", env={"ATLAS_BASE_URL": closed})
    assert offline.code == 9
    assert len(offline.err.strip().splitlines()) == 1


def test_templates_and_connected_accounts(cli: CLI, emulator: Emulator) -> None:
    platform = emulator.fake.create_org(platform=True, credits=50)
    assert platform.platform_key is not None
    as_platform = {"ATLAS_API_KEY": platform.platform_key}

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
    assert cli("templates", "list", env=as_platform, timeout=30).out.strip() == ""

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


def test_emulator_command_serves_on_a_port(tmp_path: Path) -> None:
    (tmp_path / "c.pdf").write_bytes(PDF)
    proc = subprocess.Popen(
        [console_script(), "emulator", "--port", "0", "--detection-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        env: dict[str, str] = {}
        while len(env) < 2:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "emulator exited"
            name, eq, value = line.strip().partition("=")
            if eq and name.startswith("ATLAS_"):
                env[name] = value
        assert env["ATLAS_BASE_URL"].startswith("http://127.0.0.1:")
        sent = subprocess.run(
            [console_script(), "send", "c.pdf", "--signer", "a@example.com", "--json"],
            cwd=tmp_path,
            env={**_clean_env(tmp_path), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["status"] == "pending"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def _clean_env(tmp_path: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env["ATLAS_TOKEN_FILE"] = str(tmp_path / "no-tokens.json")
    return env


def test_login_then_commands_use_the_stored_tokens(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens.json"
    no_key = {"ATLAS_API_KEY": "", "ATLAS_TOKEN_FILE": str(tokens)}
    proc = cli.popen("login", "--no-browser", "--json", env=no_key)
    assert proc.stderr is not None
    url = ""
    while not url.startswith("http"):
        line = proc.stderr.readline()
        assert line, "login exited before printing the URL"
        url = line.strip()
    # The emulator's consent is automatic: following the authorization URL lands on the
    # CLI's loopback listener with the code.
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        assert browser.get(url).status_code == 200
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["logged_in"] is True
    assert tokens.exists()

    env = {"ATLAS_API_KEY": "", "ATLAS_TOKEN_FILE": str(tokens)}
    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--json", env=env)
    assert sent.code == 0, sent.err
    assert cli("list", "--json", env=env).code == 0

    out_ = cli("logout", "--json", env=env)
    assert out_.code == 0
    assert json.loads(out_.out)["logged_out"] is True
    assert not tokens.exists()
    logged_out = cli("list", env=env)
    assert logged_out.code == 3
    # The shell's ways in, not the library's (Atlas(api_key=...) means nothing at a prompt).
    assert logged_out.err.strip() == (
        "atlas-async: error: no Atlas API key: set the ATLAS_API_KEY environment variable "
        "(or pass --api-key), or run `atlas-async login`"
    )


@pytest.mark.parametrize("missing", ["--signer"])
def test_usage_errors_exit_2(cli: CLI, missing: str) -> None:
    result = cli("send", "contract.pdf")
    assert result.code == 2
    assert missing in result.err


def test_send_with_a_webhook_url_sets_it_on_the_envelope(cli: CLI, emulator: Emulator) -> None:
    hook = "https://hooks.example.com/atlas"
    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--webhook-url", hook, "--json")
    assert sent.code == 0, sent.err
    eid = json.loads(sent.out)["envelope_id"]
    [env] = [e for e in emulator.fake.envelopes() if str(e["envelope_id"]) == eid]
    assert env["webhook_url"] == hook


def test_wait_exits_0_once_signed(cli: CLI, emulator: Emulator) -> None:
    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--json")
    eid = json.loads(sent.out)["envelope_id"]
    anyio.run(lambda: emulator.fake.sign(eid))
    waited = cli("wait", eid, "--json")
    assert waited.code == 0, waited.err
    assert json.loads(waited.out)["status"] == "signed"


def test_server_errors_after_retries_exit_10(cli: CLI, emulator: Emulator) -> None:
    fault = emulator.fake.faults.add("status", "GET /api/envelopes", status=503, count=None)
    result = cli("list", "--json")
    assert result.code == 10, result.err
    err = json.loads(result.err)["error"]
    assert (err["status"], err["exit_code"]) == (503, 10)
    assert fault.fired > 1  # retried before giving up


def test_an_unexpected_error_exits_1_and_says_it_is_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No request can make the CLI hit a bug on purpose, so the error path runs in process: the
    # same `finish` every command ends in, with a body that fails the way a bug would.
    from atlas_async.cli._app import Options, finish

    async def buggy() -> int:
        raise RuntimeError("boom")

    opts = Options(api_key=None, base_url=None, account=None, as_json=False, debug=False)
    with pytest.raises(SystemExit) as info:
        finish(opts, buggy)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "atlas-async: error: boom",
        "atlas-async: this is a bug; --debug shows the traceback",
    ]
