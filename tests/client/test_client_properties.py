"""Properties of the pure pieces: they never crash on what a server or a user may hand them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from atlas_async._config import validate_account
from atlas_async._documents import sniff
from atlas_async._polling import PollIntervals
from atlas_async._retry import DEFAULT_RETRY, parse_retry_after


@given(st.binary(max_size=4096))
def test_sniff_never_crashes(data: bytes) -> None:
    assert sniff(data) in (None, "pdf", "docx")


@given(st.binary(max_size=64), st.binary(max_size=4096))
def test_sniff_finds_a_pdf_header_anywhere_in_the_first_kib(prefix: bytes, rest: bytes) -> None:
    assert sniff(prefix[:1000] + b"%PDF-1.7" + rest) == "pdf"


@given(st.text(max_size=40), st.sampled_from(["Retry-After", "retry-after-ms", "X-Other"]))
def test_retry_after_is_none_or_non_negative(value: str, name: str) -> None:
    result = parse_retry_after({name: value})
    assert result is None or result >= 0


@given(st.integers(min_value=0, max_value=60))
def test_backoff_is_jittered_and_capped(attempt: int) -> None:
    base = min(0.5 * 2**attempt, DEFAULT_RETRY.max_delay)
    assert 0.75 * base <= DEFAULT_RETRY.backoff(attempt) <= base


@given(st.floats(0.01, 5), st.floats(0.01, 60), st.integers(1, 50))
def test_poll_intervals_stay_under_the_cap(initial: float, maximum: float, polls: int) -> None:
    intervals = PollIntervals(initial, maximum)
    assert all(0 < intervals.next() <= max(initial, maximum) for _ in range(polls))


@given(st.text(max_size=60))
def test_account_validation_accepts_or_says_why(account: str) -> None:
    try:
        result = validate_account(account)
    except ValueError as exc:
        message = str(exc)
    else:
        assert result == account
        return
    assert "account" in message
