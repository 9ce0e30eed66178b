"""``atlas_async.testing``: a stateful Atlas emulator for your tests (``pip install atlas-async[testing]``).

>>> fake = FakeAtlas()
>>> atlas = Atlas(fake.api_key, base_url=fake.base_url, http_transport=fake.transport())  # doctest: +SKIP

See :class:`FakeAtlas` and the documentation page "The emulator in your tests" (docs/testing.md).
"""

from __future__ import annotations

from ._apierror import ApiError
from ._clock import ManualClock
from ._console import serve
from ._controls import EmulatorControls
from ._edge import RequestRecord
from ._fake import FakeAtlas, Org
from ._faults import Fault, Faults
from ._signing import sign_webhook
from ._webhooks import RETRY_SCHEDULE, Attempt, Delivery, WebhookSender

__all__ = [
    "RETRY_SCHEDULE",
    "ApiError",
    "Attempt",
    "Delivery",
    "EmulatorControls",
    "FakeAtlas",
    "Fault",
    "Faults",
    "ManualClock",
    "Org",
    "RequestRecord",
    "WebhookSender",
    "serve",
    "sign_webhook",
]
