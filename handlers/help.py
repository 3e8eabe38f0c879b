"""``/help [COMMAND]``: what each command does, with an example."""

from __future__ import annotations

from bot import kinds
from bot.commands import Command, Option, Permission, Request
from bot.reply import Reply, ReplyField


def _detail(command: Command) -> Reply:
    fields = [
        ReplyField(
            name=option.name + ("" if option.required else " (optional)"),
            value=option.description
            + (f" — one of: {', '.join(option.choices)}" if option.choices else ""),
            inline=False,
        )
        for option in command.options
    ]
    examples = [command.example, *command.more_examples]
    who = " Moderators only." if command.permission is Permission.MODERATOR else ""
    return Reply(
        title=f"/{command.name}",
        summary=f"{command.description}.{who}\nUsage: {command.usage}",
        fields=fields,
        items=examples,
        footer="Values with spaces go in quotes; any option can also be given as name:value.",
        visibility="private",
        data={"command": command.name},
    )


def help(request: Request, command: str | None) -> Reply:
    if command:
        return _detail(request.commands[command])
    fields = [
        ReplyField(
            name=cmd.usage,
            value=f"{cmd.description}"
            + (" (moderators)" if cmd.permission is Permission.MODERATOR else "")
            + f"\ne.g. {cmd.example}",
            inline=False,
        )
        for cmd in request.commands.values()
    ]
    return Reply(
        title="scalebot commands",
        summary="Quick answers on which AI fields have the data to scale, from one essay and "
        "a community ledger of dataset sizes.",
        fields=fields,
        footer="Details on one command: /help submit",
        visibility="private",
        data={"commands": list(request.commands)},
    )


COMMAND = Command(
    name="help",
    order=200,
    pure=True,
    description="What each command does, with an example",
    handler=help,
    example="/help submit",
    more_examples=("/help",),
    options=(
        Option(
            "command",
            kinds.CommandName(label="command name", max_length=32),
            "A command name, e.g. submit",
            required=False,
        ),
    ),
)
