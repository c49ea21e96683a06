"""An offline, faithful stand-in for the slice of Stripe the shop uses.

Checkout Sessions (hosted page included), PaymentIntents, Charges, Refunds and
signed webhook Events, shaped like Stripe API version ``2026-10-28.endive``
(the version stripe-python 16.1.0 pins).  See stripe_standin/README.md (the
distribution's README, next to its pyproject.toml).

* Run as a process: ``python -m stripe_standin --port 12111 ...``
* Run inside tests: ``from stripe_standin.testing import start_standin``
"""

from .app import Standin, create_app, create_standin
from .config import StandinConfig
from .reference import API_VERSION

__all__ = ["API_VERSION", "Standin", "StandinConfig", "create_app", "create_standin"]
