"""The stand-in that serves the current request, for the blueprints (api, hosted, controls)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:  # pragma: no cover
    from .app import Standin
    from .store import Store

#: Where ``create_standin()`` keeps the instance: ``app.extensions[EXTENSION_KEY]``.
EXTENSION_KEY = "stripe_standin"


def current_standin() -> Standin:
    return current_app.extensions[EXTENSION_KEY]


def current_store() -> Store:
    return current_standin().store
