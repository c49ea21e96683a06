"""The floor: a Flask app in the shop's venv that answers every GET with the same bytes
(the shop's product page, captured by bench/run.py). No page of the shop can be faster than
this under the same server and client, so the benchmark reports each page as a share of it.

    FLOOR_BODY_FILE=/tmp/page.html gunicorn -w 2 bench.floor:app
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["FLOOR_BODY_FILE"]).read_bytes()

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def constant(path: str) -> Response:
    return Response(BODY, mimetype="text/html")
