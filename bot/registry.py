"""Every command the bot serves, collected from ``handlers/`` in the order ``/help`` lists them."""

from __future__ import annotations

from bot.commands import Command
from handlers import (
    approve,
    ask,
    compare,
    datasets,
    domains,
    help,
    reject,
    review,
    scale,
    submit,
    why,
)

COMMANDS: dict[str, Command] = {
    module.COMMAND.name: module.COMMAND
    for module in (
        scale,
        compare,
        domains,
        why,
        ask,
        submit,
        datasets,
        review,
        approve,
        reject,
        help,
    )
}
