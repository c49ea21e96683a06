"""Story videos: only from hosts we allow, and embedded through their privacy modes.

We never embed a stored URL as given. We parse it, keep only the video id, and build the
embed address ourselves, so a link to any other host (or a `javascript:` URL) is ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class VideoEmbed:
    host_name: str  # for the notice: "The video plays from YouTube"
    embed_url: str  # the privacy-mode player
    watch_url: str  # a plain link for anyone who prefers the host's own page


def video_embed(url: str | None) -> VideoEmbed | None:
    """The embed for an allow-listed video link, or None for anything else."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    if host in YOUTUBE_HOSTS:
        if host == "youtu.be":
            video_id = path[0] if path else ""
        elif path[:1] == ["watch"]:
            video_id = parse_qs(parts.query).get("v", [""])[0]
        elif len(path) == 2 and path[0] in {"embed", "shorts"}:
            video_id = path[1]
        else:
            video_id = ""
        if _YOUTUBE_ID.match(video_id):
            return VideoEmbed(
                "YouTube",
                f"https://www.youtube-nocookie.com/embed/{video_id}",
                f"https://www.youtube.com/watch?v={video_id}",
            )
        return None
    if host in VIMEO_HOSTS:
        video_id = path[-1] if path else ""
        if _VIMEO_ID.match(video_id):
            return VideoEmbed("Vimeo", f"https://player.vimeo.com/video/{video_id}?dnt=1", f"https://vimeo.com/{video_id}")
    return None

