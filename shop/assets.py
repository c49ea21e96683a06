"""Static files with fingerprinted names, so browsers and proxies keep them for a year.

At start the shop reads static/ once: each file gets a name with a hash of what it holds
(`css/shop.css` -> `css/shop.3f9c2a71d0be.css`), CSS is minified (rcssmin), and text
files (CSS, SVG) are kept in memory with gzip and Brotli copies. `url_for("static", ...)`
hands out the fingerprinted names, which are served `public, max-age=31536000, immutable`:
a changed file gets a new name, so no one ever sees a stale one. An old name (a page
rendered before a deploy) still gets the current file, checked every time; the plain
name works as before.

In production nginx can serve the same names from the folder `flask assets build DIR`
writes (fingerprinted files, minified CSS, .gz and .br copies; see the README).
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
import rcssmin
from flask import Flask, Response, current_app, request, send_from_directory

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")
KEPT_IN_MEMORY = {".css", ".svg", ".txt", ".xml", ".json", ".js"}
MAX_IN_MEMORY = 512 * 1024


@dataclass
class Asset:
    name: str  # as stored under static/, with "/" separators
    fingerprinted: str
    hash: str
    mimetype: str
    body: bytes | None = None  # text files, kept (CSS minified)
    compressed: dict[str, bytes] = field(default_factory=dict)


def _fingerprinted(name: str, digest: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


def read_assets(folder: Path) -> dict[str, Asset]:
    """Every file under `folder`, by its name: hashed, and text files minified and compressed."""
    assets: dict[str, Asset] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        data = path.read_bytes()
        if suffix == ".css":
            data = rcssmin.cssmin(data.decode("utf-8")).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()[:12]
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        asset = Asset(name, _fingerprinted(name, digest), digest, mimetype)
        if suffix in KEPT_IN_MEMORY and len(data) <= MAX_IN_MEMORY:
            asset.body = data
            asset.compressed = {"br": brotli.compress(data, quality=11),
                                "gzip": gzip.compress(data, compresslevel=9, mtime=0)}
        assets[name] = asset
    return assets


class StaticFiles:
    def __init__(self, app: Flask) -> None:
        self.folder = Path(app.static_folder or "static")
        self.assets = read_assets(self.folder)
        self.by_fingerprint = {asset.fingerprinted: asset for asset in self.assets.values()}

    def url_name(self, filename: str) -> str:
        asset = self.assets.get(filename)
        return asset.fingerprinted if asset else filename

    def serve(self, filename: str) -> Response:
        asset = self.by_fingerprint.get(filename)
        if asset is not None:
            return self._send(asset, IMMUTABLE)
        match = FINGERPRINTED.match(filename)
        if match:
            # An old fingerprint (a page from before a deploy): today's file, checked each time.
            asset = self.assets.get(match["stem"] + match["suffix"])
            if asset is not None:
                return self._send(asset, "public, no-cache")
        asset = self.assets.get(filename)
        if asset is not None:
            return self._send(asset, "public, no-cache")
        return send_from_directory(self.folder, filename)  # added after start, or a 404

    def _send(self, asset: Asset, cache_control: str) -> Response:
        headers = {"Cache-Control": cache_control, "ETag": f'"{asset.hash}"'}
        if request.if_none_match.contains(asset.hash):
            return Response(status=304, headers=headers)
        if asset.body is None:
            response = send_from_directory(self.folder, asset.name, etag=False, conditional=False)
            response.headers.update(headers)
            return response
        response = Response(asset.body, mimetype=asset.mimetype, headers=headers)
        response.vary.add("Accept-Encoding")
        encoding = _best_encoding()
        if encoding is not None:
            response.set_data(asset.compressed[encoding])
            response.headers["Content-Encoding"] = encoding
        return response

    def build(self, target: Path) -> int:
        """Write every file under its plain and fingerprinted names (CSS minified), with
        .gz and .br copies of text files, for a web server to serve. Returns files written."""
        written = 0
        for asset in self.assets.values():
            data = asset.body if asset.body is not None else (self.folder / asset.name).read_bytes()
            for name in (asset.name, asset.fingerprinted):
                out = target / name
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                written += 1
                for encoding, suffix in (("gzip", ".gz"), ("br", ".br")):
                    if encoding in asset.compressed:
                        out.with_name(out.name + suffix).write_bytes(asset.compressed[encoding])
                        written += 1
        return written


def _best_encoding() -> str | None:
    if "HTTP_ACCEPT_ENCODING" not in request.environ:
        return None
    accepted = request.accept_encodings
    return "br" if accepted["br"] else "gzip" if accepted["gzip"] else None


def static_files() -> StaticFiles:
    return current_app.extensions["static_files"]


def init_assets(app: Flask) -> None:
    files = StaticFiles(app)
    app.extensions["static_files"] = files

    @app.url_defaults
    def fingerprint_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.url_name(values["filename"])

    app.view_functions["static"] = files.serve
