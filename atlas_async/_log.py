"""The SDK's loggers: one family under ``atlas_async``, scrubbed, and an ``ATLAS_LOG`` switch.

Every logger the SDK writes to comes from :func:`logger`, which puts the scrubbing filter on it
(a filter only sees the records of the logger it is attached to, so each one needs its own): no
record leaves the SDK with a credential in its message or arguments, whatever a server echoed.

``ATLAS_LOG=debug`` (or ``info``) turns the SDK's logging on without touching the application's
logging set-up, as ``OPENAI_LOG`` and ``STRIPE_LOG`` do: a stderr handler on the ``atlas_async``
logger at that level. Without the variable the SDK only logs through whatever the application
configured (the standard library's default: warnings and above, to stderr).
"""

from __future__ import annotations

import logging
import os
import sys

from ._secrets import scrub, scrub_value

__all__ = ["FORMAT", "logger", "setup_from_env"]

FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


class _Scrub(logging.Filter):
    """Scrubs a record's message and arguments in place (it is the SDK's own record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub_value(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = scrub_value(record.args)
        return True


_FILTER = _Scrub()


def logger(name: str = "atlas_async") -> logging.Logger:
    """The SDK logger ``name`` (``atlas_async`` or below it), with the scrubbing filter."""
    log = logging.getLogger(name)
    if _FILTER not in log.filters:
        log.addFilter(_FILTER)
    return log


_HANDLER_NAME = "atlas_async.ATLAS_LOG"


def setup_from_env() -> None:
    """Apply ``ATLAS_LOG`` (``debug`` or ``info``); anything else, or unset, changes nothing."""
    level = _LEVELS.get(os.environ.get("ATLAS_LOG", "").strip().lower())
    if level is None:
        return
    root = logger()
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


setup_from_env()
