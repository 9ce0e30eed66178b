"""The immutable values (``_frozen.Frozen``): RetryPolicy, Notice and a client's options behave
as the frozen dataclasses they replace; a call's settings change only by copy; and building a
client defines no dataclass at all (each costs most of a millisecond of start-up)."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys

import pytest

from atlas_async import Notice, RetryPolicy
from atlas_async._call import Call
from atlas_async._client import Options


def test_retry_policy_is_a_value() -> None:
    policy = RetryPolicy(max_retries=3, budget=30)
    assert policy == RetryPolicy(3, 0.5, 8.0, 60.0, 30)
    assert policy != RetryPolicy()
    assert policy != (3, 0.5, 8.0, 60.0, 30)
    assert hash(policy) == hash(RetryPolicy(max_retries=3, budget=30))
    assert len({policy, RetryPolicy(max_retries=3, budget=30), RetryPolicy()}) == 2
    assert repr(policy) == (
        "RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8.0, max_retry_after=60.0, "
        "budget=30)"
    )


def test_retry_policy_cannot_be_changed_in_place() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError, match="immutable"):
        policy.max_retries = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del policy.budget
    with pytest.raises(AttributeError):
        policy.colour = "red"  # type: ignore[attr-defined]
    assert policy == RetryPolicy()


def test_with_makes_a_validated_copy() -> None:
    policy = RetryPolicy()
    changed = policy.with_(max_retries=0, initial_delay=1)
    assert (changed.max_retries, changed.initial_delay, changed.budget) == (0, 1, 120.0)
    assert policy == RetryPolicy()
    with pytest.raises(ValueError, match="max_retries must be an int >= 0"):
        policy.with_(max_retries=-1)
    with pytest.raises(ValueError, match="budget must be a finite number"):
        policy.with_(budget=float("inf"))
    with pytest.raises(TypeError, match="RetryPolicy has no field max_retry, tries"):
        policy.with_(tries=1, max_retry=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": True}, "max_retries must be an int"),
        ({"max_retries": 1.5}, "max_retries must be an int"),
        ({"initial_delay": -1}, "initial_delay must be a finite number"),
        ({"max_delay": float("nan")}, "max_delay must be a finite number"),
        ({"max_retry_after": "60"}, "max_retry_after must be a finite number"),
        ({"budget": False}, "budget must be a finite number"),
    ],
)
def test_retry_policy_refuses_bad_values(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        RetryPolicy(max_retries=4),
        Notice("env_1", "signed"),
        Options(12.0, RetryPolicy(budget=9), "ext_acme"),
    ],
    ids=["RetryPolicy", "Notice", "Options"],
)
def test_values_survive_pickle_and_copy(value: object) -> None:
    for twin in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
        assert twin == value
        assert type(twin) is type(value)
        with pytest.raises(AttributeError, match="immutable"):
            twin.envelope_id = "other"  # type: ignore[attr-defined]


def test_values_match_positionally_like_dataclasses() -> None:
    match Notice("env_1", "signed"):
        case Notice(envelope_id, "signed"):
            assert envelope_id == "env_1"
        case _:
            pytest.fail("Notice did not match by position")
    match RetryPolicy(max_retries=1):
        case RetryPolicy(retries):
            assert retries == 1
        case _:
            pytest.fail("RetryPolicy did not match by position")


def test_notice_defaults_and_equality() -> None:
    assert Notice("env_1") == Notice("env_1", None) == Notice(envelope_id="env_1")
    assert Notice("env_1") != Notice("env_2")
    assert repr(Notice("env_1", "signed")) == "Notice(envelope_id='env_1', status='signed')"


def test_call_settings_change_only_by_copy() -> None:
    call = Call(timeout=5.0, account="ext_acme", extra_headers={"X-Trace": "1"})
    moved = call.with_(credentials=False, account=None, extra_headers=None)
    assert (moved.credentials, moved.account, moved.extra_headers, moved.timeout) == (
        False,
        None,
        None,
        5.0,
    )
    assert (call.credentials, call.account) == (True, "ext_acme")
    with pytest.raises(TypeError, match="colour"):
        call.with_(colour="red")
    # Its fields are Final for the type checker; its repr names no header, token or account.
    bearer = Call(timeout=5.0, bearer="signer-token-secret", operation="envelopes.decline")
    assert repr(bearer) == "<Call envelopes.decline timeout=5>"


def test_building_a_client_defines_no_dataclass() -> None:
    # A frozen dataclass costs about 0.8 ms to define (its methods are compiled from source),
    # which is what took the SDK's start-up over its 10 ms budget. Counted in a fresh
    # interpreter, where nothing of the SDK is imported yet.
    script = (
        "import dataclasses, httpx\n"
        "made = []\n"
        "real = dataclasses._process_class\n"
        "def counting(cls, *args, **kwargs):\n"
        "    made.append(f'{cls.__module__}.{cls.__qualname__}')\n"
        "    return real(cls, *args, **kwargs)\n"
        "dataclasses._process_class = counting\n"
        "import atlas_async\n"
        "atlas_async.Atlas(api_key='atlas_test_key_0123456789')\n"
        "print([name for name in made if name.startswith('atlas_async')])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    assert out.stdout.strip() == "[]"
