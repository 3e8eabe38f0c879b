"""``scalebot health``: asks the running bot's ``/health`` and exits 0 (up) or 1.

For Docker's ``HEALTHCHECK`` (and any supervisor): a GET of
``http://127.0.0.1:$SCALEBOT_METRICS_PORT/health`` with a short time-out, standard
library only, so the check costs an interpreter start and nothing the bot imports.
A bot that does not answer in time (its event loop is stuck, it is not running) fails
the check as surely as one that answers 503.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

import click

from bot.config import Settings

#: Seconds the check waits for an answer (Docker's own time-out is longer).
TIMEOUT = 3.0
#: An address that listens everywhere is asked on the loopback.
_EVERYWHERE = {"0.0.0.0", "::", ""}


def health_url(settings: Settings) -> str:
    host = settings.metrics_host
    host = "127.0.0.1" if host in _EVERYWHERE else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.metrics_port}/health"


def check(settings: Settings, timeout: float = TIMEOUT) -> str:
    """The bot's answer in one line when it is healthy; :class:`Unhealthy` otherwise."""
    if settings.metrics_port is None:
        raise Unhealthy(
            "SCALEBOT_METRICS_PORT is not set, so the bot serves no /health "
            "(example: SCALEBOT_METRICS_PORT=9100 scalebot run all)"
        )
    url = health_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = _json(response.read())
    except urllib.error.HTTPError as error:
        body = _json(error.read())
        checks = body.get("checks", {})
        failed = "; ".join(f"{name}: {checks.get(name)}" for name in body.get("failed", []))
        raise Unhealthy(f"unhealthy ({error.code}) {failed}".strip()) from None
    except (OSError, ValueError) as error:
        raise Unhealthy(f"no answer from {url}: {getattr(error, 'reason', error)}") from None
    checks = body.get("checks", {})
    return "healthy: " + ", ".join(f"{name} {said}" for name, said in checks.items())


class Unhealthy(Exception):
    """Why the check failed: not configured, no answer, or the bot's 503 and its reasons."""


@click.command("health")
@click.option("--timeout", type=float, default=TIMEOUT, show_default=True, help="Seconds to wait.")
@click.pass_context
def health(ctx: click.Context, timeout: float) -> None:
    """Ask the running bot whether it is healthy: exit 0 if so, else 1 with the reason.

    Asks /health on SCALEBOT_METRICS_PORT (the Docker image's HEALTHCHECK runs this).
    """
    try:
        click.echo(check(ctx.obj["settings"], timeout))
    except Unhealthy as problem:
        raise click.ClickException(str(problem)) from None


def main() -> None:
    """``python -m bot.healthcli``: the same check without loading the CLI (Docker runs it
    every 30 s, so it imports the settings and the standard library only)."""
    try:
        print(check(Settings()))
    except (Unhealthy, ValueError) as problem:  # ValueError: the settings are invalid
        print(f"Error: {problem}", file=sys.stderr)
        sys.exit(1)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        found = json.loads(raw)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


if __name__ == "__main__":
    main()
