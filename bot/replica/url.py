"""The replica's address (``SCALEBOT_REPLICA_URL``): checked at start, shown masked.

Litestream takes a URL per storage: ``s3://bucket/path``, ``gs://bucket/path``,
``abs://account@container/path``, ``sftp://user@host/path`` or ``file:///var/backups/x``.
A URL may carry a password (``sftp://user:secret@host/...``), so the value prints with
it masked everywhere (doctor, logs, errors); only :meth:`ReplicaUrl.secret` gives it whole,
and only Litestream's environment gets that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: The storages this bot is tested or documented with (Litestream knows a few more).
SCHEMES = ("s3", "gs", "abs", "sftp", "file")
EXAMPLES = (
    "SCALEBOT_REPLICA_URL=s3://my-bucket/scalebot, gs://my-bucket/scalebot, "
    "abs://account@container/scalebot, sftp://user@backup.example.org/scalebot "
    "or file:///var/backups/scalebot"
)


@dataclass(frozen=True)
class ReplicaUrl:
    """A replica URL whose ``str`` and ``repr`` hide any password in it."""

    _text: str = field(repr=False)

    def secret(self) -> str:
        """The URL whole, password included: for Litestream's environment only."""
        return self._text

    @property
    def scheme(self) -> str:
        return urlsplit(self._text).scheme

    @property
    def masked(self) -> str:
        parts = urlsplit(self._text)
        if parts.password is None:
            return self._text
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        return parts._replace(netloc=f"{user}:****@{host}").geturl()

    def redact(self, text: str) -> str:
        """``text`` with this URL's password (if any) replaced by ``****``."""
        password = urlsplit(self._text).password
        return text.replace(password, "****") if password else text

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"ReplicaUrl({self.masked!r})"


def parse_replica_url(text: str, variable: str = "SCALEBOT_REPLICA_URL") -> ReplicaUrl:
    """``text`` as a replica URL, or a ValueError that names the problem and shows examples."""
    value = text.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    shown = ReplicaUrl(value).masked
    if scheme not in SCHEMES:
        raise ValueError(
            f"{shown!r} is not a replica URL Litestream can write to: {variable} starts with "
            f"{', '.join(s + '://' for s in SCHEMES)} (examples: {EXAMPLES})"
        )
    if scheme == "file" and (parts.netloc or not parts.path.strip("/")):
        raise ValueError(
            f"{shown!r} is not a folder: a file replica names an absolute path after "
            "file:// (example: SCALEBOT_REPLICA_URL=file:///var/backups/scalebot)"
        )
    if scheme != "file" and not parts.hostname:
        raise ValueError(
            f"{shown!r} names no bucket or host: {variable} takes one after {scheme}:// "
            f"(examples: {EXAMPLES})"
        )
    if any(char in value for char in "'\n\r\t") or " " in value:
        raise ValueError(
            f"{shown!r} holds a quote, a space or a control character: percent-encode it "
            "(a quote is %27, a space %20)"
        )
    return ReplicaUrl(value)
