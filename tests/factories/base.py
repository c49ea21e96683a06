"""What every builder shares: one sequence for unique names, and how a built row is saved."""
from __future__ import annotations

import itertools
from typing import Any

from shop.extensions import db

sequence = itertools.count(1)


def finish(obj: Any, commit: bool) -> Any:
    """Add to the session, then commit (the default) or only flush."""
    db.session.add(obj)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return obj
