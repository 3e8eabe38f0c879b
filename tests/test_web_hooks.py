"""The web view's privacy rests on two Datasette hooks: they must be called, or we fail.

``bot/web/plugin.py`` refuses the private tables in its ``permission_allowed`` and gives
the pages their titles and queries in ``get_metadata``. Datasette 1.0 removes both hooks,
and pluggy registers an implementation of a hook nobody declares without a word: after
such an upgrade our functions would sit registered and never run. The private tables
would then be listed and opened by URL, held back only by SQLite's authorizer (the
second rule of ``bot/web/privacy.py``), which answers an error page (400) instead of
a refusal (403). ``pyproject.toml`` pins ``datasette<1.0``; this test is the alarm should the pin
be lifted, or the hooks stop being called for any other reason.

It counts the calls of our own implementations, as registered in Datasette's plugin
manager, while the real web view (``tests/web_stack.py``) serves its home page, a
private table and a public view. The second test takes our hooks out, as an upgrade
would, and shows the first test's check then fails.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from datasette.plugins import pm

from bot.config import Settings
from bot.web import plugin
from tests.helpers import MODERATOR
from tests.web_stack import Site, community_ledger, serving

#: The hooks the privacy of the web view depends on.
PRIVACY_HOOKS = ("permission_allowed", "get_metadata")
PRIVATE_TABLE = "/ledger/data_points"
PUBLIC_VIEW = "/ledger/current_figures"
#: A title only our metadata gives the home page (``bot/web/app.py``).
HOME_TITLE = "scalebot: the community ledger of AI dataset sizes"


@dataclass(frozen=True)
class Call:
    """One call of one of our hook implementations: its arguments and its answer."""

    arguments: dict[str, Any]
    result: Any


@contextmanager
def counting_our_hooks() -> Iterator[dict[str, list[Call]]]:
    """Every call Datasette makes to our implementation of each privacy hook, by hook.

    Wraps the functions registered in Datasette's plugin manager (what it calls), not
    the module's names: a hook our plugin declares but Datasette never calls counts 0.
    """
    calls: dict[str, list[Call]] = {name: [] for name in PRIVACY_HOOKS}
    with pytest.MonkeyPatch.context() as patch:
        for name in PRIVACY_HOOKS:
            caller = getattr(pm.hook, name, None)
            impls = caller.get_hookimpls() if caller is not None else []
            for impl in impls:
                if impl.plugin_name != plugin.NAME:
                    continue

                def counted(
                    *args: Any, _name: str = name, _impl: Any = impl, _run: Any = impl.function
                ) -> Any:
                    result = _run(*args)
                    calls[_name].append(Call(dict(zip(_impl.argnames, args, strict=True)), result))
                    return result

                patch.setattr(impl, "function", counted)
        yield calls


def check_privacy_hooks_are_called(site: Site) -> None:
    """The home page, a private table and a public view consult our two hooks."""
    with counting_our_hooks() as calls:
        home = site.get("/")
        private = site.get(PRIVATE_TABLE)
        public = site.get(PUBLIC_VIEW)
    for name in PRIVACY_HOOKS:
        assert calls[name], (
            f"Datasette never called scalebot-web's {name} hook: the web view's privacy "
            "depends on it (Datasette 1.0 removed it; keep datasette<1.0 in pyproject.toml)"
        )
    tables_asked = [
        call
        for call in calls["permission_allowed"]
        if call.arguments["action"] == "view-table"
        and call.arguments["resource"] == ("ledger", "data_points")
    ]
    assert tables_asked, "the private table was served without asking our permission_allowed"
    assert all(call.result is False for call in tables_asked)
    assert private.status == 403, private.body[:300]
    assert public.status == 200
    assert home.status == 200 and HOME_TITLE in home.body, "the home page lacks our metadata"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("hooks") / "scalebot.db"
    community_ledger(path)
    return Settings(db=path, moderators=frozenset({MODERATOR}))


def test_the_privacy_hooks_are_declared_by_datasette() -> None:
    """A hook Datasette no longer declares has no spec: pluggy registers ours anyway."""
    for name in PRIVACY_HOOKS:
        caller = getattr(pm.hook, name, None)
        assert caller is not None and caller.spec is not None, (
            f"this Datasette declares no {name} hook; the web view's privacy needs it"
        )


def test_the_web_view_calls_our_privacy_hooks(settings: Settings) -> None:
    with serving(settings) as site:
        registered = {
            name: [impl.plugin_name for impl in getattr(pm.hook, name).get_hookimpls()]
            for name in PRIVACY_HOOKS
        }
        assert all(plugin.NAME in names for names in registered.values()), registered
        check_privacy_hooks_are_called(site)


@contextmanager
def without_our_privacy_hooks() -> Iterator[None]:
    """Our plugin with every hook but the two, as a Datasette that dropped them runs it.

    Registered under our plugin's name, so ``bot.web.app.build`` does not add the real
    one; the real one is put back afterwards, as it was.
    """
    was_registered = pm.get_plugin(plugin.NAME) is plugin
    if was_registered:
        pm.unregister(name=plugin.NAME)
    kept = {
        name: getattr(plugin, name)
        for name in dir(plugin)
        if name not in PRIVACY_HOOKS and pm.parse_hookimpl_opts(plugin, name) is not None
    }
    assert {"prepare_connection", "asgi_wrapper", "register_routes"} <= set(kept)
    stand_in = types.ModuleType("scalebot_web_without_privacy_hooks")
    for name, function in kept.items():
        setattr(stand_in, name, function)
    pm.register(stand_in, name=plugin.NAME)
    try:
        yield
    finally:
        pm.unregister(name=plugin.NAME)
        if was_registered:
            pm.register(plugin, name=plugin.NAME)


def test_the_check_fails_when_the_hooks_are_not_called(settings: Settings) -> None:
    """Without our two hooks the check above fails, and for a reason: the table is open."""
    with without_our_privacy_hooks(), serving(settings) as site:
        with pytest.raises(AssertionError, match="never called scalebot-web's permission_allowed"):
            check_privacy_hooks_are_called(site)
        # Not refused any more (403): only the authorizer's error stops the read now,
        # which the error pages (``bot/web/errors.py``) word as a 400.
        page = site.get(PRIVATE_TABLE)
        assert page.status == 400 and "public columns" in page.body, page.body[:300]
    with serving(settings) as site:  # and with them back, it passes again
        check_privacy_hooks_are_called(site)
