"""Every template renders in both languages, and both languages have the same labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Undefined

from bot.loopback import parse_html
from bot.render import LANGUAGES, Renderer

renderer = Renderer(ZoneInfo("Asia/Makassar"))


class Anything(Undefined):
    """Sample data for any name a template uses: renders as text, iterates as one item."""

    def __str__(self) -> str:
        return "Contoh <teks> & data"

    def __iter__(self) -> Any:
        return iter([Anything(name="item")])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything(name=name)

    def __getitem__(self, key: Any) -> Any:
        return Anything(name=str(key))

    def __bool__(self) -> bool:
        return True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return Anything(name="call")

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", renderer.template_names())
def test_every_template_renders_as_valid_telegram_html(lang: str, name: str) -> None:
    sample = Renderer(ZoneInfo("Asia/Makassar"))
    sample.env.undefined = Anything
    text = sample.render(lang, name)
    assert text.strip()
    # Telegram refuses the whole message when the HTML is malformed; the loopback checks as it does.
    parse_html(text)
    assert "<teks>" not in text, "user data must be escaped"


def test_both_languages_have_the_same_templates() -> None:
    for lang in LANGUAGES:
        folder = renderer.directory / lang
        assert sorted(p.name.removesuffix(".html.j2") for p in folder.glob("*.html.j2")) == (
            renderer.template_names()
        )


def test_both_languages_have_the_same_labels() -> None:
    keys = {lang: set(renderer.labels(lang)) for lang in LANGUAGES}
    assert keys["id"] == keys["en"]


def test_button_labels_fit_telegram() -> None:
    for lang in LANGUAGES:
        for key, text in renderer.labels(lang).items():
            assert 0 < len(text) <= 200, key


def test_dates_follow_the_users_language_and_the_offices_zone() -> None:
    at = datetime(2026, 8, 17, 1, 30, tzinfo=UTC)
    assert renderer.format_datetime(at, "id") == "17 Agu 2026 09.30 WITA"
    assert renderer.format_datetime(at, "en") == "17 Aug 2026 09:30 WITA"
    assert renderer.format_date(date(2026, 8, 17), "id") == "17 Agu 2026"
