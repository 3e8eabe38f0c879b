"""``scalebot health``: asks the running bot's ``/health`` and exits 0 (up) or 1.

For Docker's ``HEALTHCHECK`` (and any supervisor): a GET of
``http://127.0.0.1:$SCALEBOT_METRICS_PORT/health`` with a short time-out, standard
library only, so the check costs an interpreter start and nothing the bot imports.
A bot that does not answer in time (its event loop is stuck, it is not running) fails
the check as surely as one that answers 503.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

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


@click.command("health")
@click.option("--timeout", type=float, default=TIMEOUT, show_default=True, help="Seconds to wait.")
@click.pass_context
def health(ctx: click.Context, timeout: float) -> None:
    """Ask the running bot whether it is healthy: exit 0 if so, else 1 with the reason.

    Asks /health on SCALEBOT_METRICS_PORT (the Docker image's HEALTHCHECK runs this).
    """
    settings: Settings = ctx.obj["settings"]
    if settings.metrics_port is None:
        raise click.ClickException(
            "SCALEBOT_METRICS_PORT is not set, so the bot serves no /health "
            "(example: SCALEBOT_METRICS_PORT=9100 scalebot run all)"
        )
    url = health_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = _json(error.read())
        failed = "; ".join(f"{n}: {body.get('checks', {}).get(n)}" for n in body.get("failed", []))
        raise click.ClickException(f"unhealthy ({error.code}) {failed}".strip()) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise click.ClickException(f"no answer from {url}: {reason}") from None
    click.echo(f"healthy: {', '.join(f'{n} {s}' for n, s in body.get('checks', {}).items())}")


def _json(raw: bytes) -> dict:
    try:
        found = json.loads(raw)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
