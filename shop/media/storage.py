"""Where variant files live. One interface, so several app servers can share a directory
(a network mount all of them see at MEDIA_ROOT) or an object store behind the same three
methods; the database row, shared by every server, says which variants exist."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from flask import current_app

# A key is our own random token; a name is "<width>.<webp|jpg>". Nothing else is ever a path.
KEY = re.compile(r"^[a-z0-9]{16,40}$")
NAME = re.compile(r"^[0-9]{1,4}\.(?:webp|jpg)$")


class LocalStorage:
    """Files under one directory: <root>/<key>/<width>.<webp|jpg>."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def folder(self, key: str) -> Path:
        if not KEY.match(key):
            raise ValueError(f"not a media key: {key!r}")
        return self.root / key

    def save(self, key: str, name: str, data: bytes) -> None:
        """Write atomically (temporary file, then rename): another server never reads half a file."""
        if not NAME.match(name):
            raise ValueError(f"not a variant name: {name!r}")
        folder = self.folder(key)
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, key: str) -> None:
        shutil.rmtree(self.folder(key), ignore_errors=True)

    def exists(self, key: str, name: str) -> bool:
        return bool(KEY.match(key) and NAME.match(name) and (self.folder(key) / name).is_file())


def storage() -> LocalStorage:
    return LocalStorage(current_app.config["MEDIA_ROOT"])
