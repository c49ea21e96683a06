"""CSV files staff download (sales for the accountant, orders, subscribers): UTF-8 with a
byte-order mark so spreadsheet programs read accents right, streamed row by row so a large
export never sits in memory, and every cell a spreadsheet would run as a formula defused."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# A cell starting with one of these is run as a formula by spreadsheet programs
# (OWASP's "CSV injection"); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The file, a line at a time: the header, then each row with its text cells defused.
    Numbers stay numbers: a negative amount is not a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: Sequence[Any]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for row in rows:
        yield line([neutralise(cell) for cell in row])
