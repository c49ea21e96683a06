"""What makes a staff password good enough: at least 12 characters, and not one that
zxcvbn (Dropbox's estimator, with its lists of common passwords, names and words) finds
easy to guess."""
from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
# zxcvbn scores 0-4; 3 is "safely unguessable: moderate protection from offline attacks".
MIN_SCORE = 3
# zxcvbn's time grows with length; what follows the first 100 characters adds nothing to a
# guesser's chances that the first 100 did not already.
ANALYSED = 100


def password_problem(password: str, *, user_inputs: list[str] = ()) -> str | None:
    """None for a good password, else a sentence saying what is wrong with it."""
    if len(password) < MIN_LENGTH:
        return f"Please use at least {MIN_LENGTH} characters. A few words in a row are easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Please use at most {MAX_LENGTH} characters."
    result = zxcvbn(password[:ANALYSED], user_inputs=[value for value in user_inputs if value])
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or "It would be easy to guess."
        return f"Please choose a password that is harder to guess. {warning}".strip()
    return None
