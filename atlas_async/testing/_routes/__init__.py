"""The emulator's routes, one module per resource; :func:`atlas_async.testing._app.build_app`
puts them together behind the edge."""

from __future__ import annotations

from .base import Handlers
from .controls import ControlRoutes
from .discovery import DiscoveryRoutes
from .envelopes import EnvelopeRoutes
from .platform import PlatformRoutes
from .signing import SigningRoutes
from .templates import TemplateRoutes

__all__ = [
    "ControlRoutes",
    "DiscoveryRoutes",
    "EnvelopeRoutes",
    "Handlers",
    "PlatformRoutes",
    "SigningRoutes",
    "TemplateRoutes",
]
