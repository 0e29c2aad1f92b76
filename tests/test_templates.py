"""Every template renders in both languages, and both languages have the same labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Undefined

from bot.domain.intake import Problem, Step
from bot.render import LANGUAGES, Renderer
from bot.services.offline import Field
from loopback import parse_html

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

    def __int__(self, *args: Any, **kwargs: Any) -> int:  # type: ignore[override]
        return 2

    def __gt__(self, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        return True

    def __lt__(self, *args: Any, **kwargs: Any) -> bool:  # type: ignore[override]
        return False

    def __add__(self, other: object) -> Any:
        return 2

    __radd__ = __sub__ = __rsub__ = __mul__ = __add__


# Templates that switch on one value: each branch must render something.
BRANCHES: dict[str, tuple[str, tuple[str, ...]]] = {
    "intake_step": ("step", tuple(s.name for s in Step if s is not Step.SUMMARY)),
    "intake_invalid": ("problem", (*get_args(Problem), "choice", "not_own_contact")),
    "intake_notice": (
        "kind",
        (
            "cancelled",
            "file_added",
            "limit",
            "screen_block",
            "similar",
            "added_to_existing",
            "no_draft",
        ),
    ),
    "catat_step": ("step", tuple(f.name for f in Field)),
    "catat_done": ("outcome", ("saved", "cancelled", "denied", "no_channels")),
    "staff_changed": ("change", ("added", "bad_level", "removed", "unit", "none")),
    "staff_usage": ("command", ("cari", "lihat", "staf", "unit")),
    "staff_reply_result": (
        "result",
        (
            "done",
            "stale",
            "number",
            "empty",
            "other_person",
            "file_kept",
            "file_type",
            "file_too_big",
            "too_many_files",
            "refused",
        ),
    ),
    "staff_prompt": ("action", ("ask_info", "answer", "extend", "reject")),
    "status_update": (
        "action",
        ("ask_info", "reject", "mark_duplicate", "extend", "close", "dispose"),
    ),
    "citizen_erase": ("what", ("ask", "done", "none", "cancelled")),
    "staff_access_log": ("what", ("list", "unknown")),
}


# Values the generic sample cannot stand in for: loops that unpack tuples or read a mapping.
SAMPLES: dict[str, dict[str, Any]] = {
    "staff_changed": {"levels": [(1, "Kepala Bagian", "supervisor")]},
    "staff_usage": {"role_names": {"operator": "Operator", "liaison": "Pejabat Penghubung"}},
    "staff_access_log": {"shown": 30},
}


def cases() -> list[tuple[str, dict[str, str]]]:
    result: list[tuple[str, dict[str, str]]] = []
    for name in renderer.template_names():
        if name in BRANCHES:
            key, values = BRANCHES[name]
            result += [(name, {key: value}) for value in values]
        else:
            result.append((name, {}))
    return result


class SampleRenderer(Renderer):
    """Render with sample values: any name is defined, any date formats as a fixed one."""

    def format_date(self, value: Any, lang: str) -> str:
        return super().format_date(value if isinstance(value, date) else date(2026, 8, 17), lang)

    def format_datetime(self, value: Any, lang: str) -> str:
        sample = datetime(2026, 8, 17, 1, 30, tzinfo=UTC)
        return super().format_datetime(value if isinstance(value, datetime) else sample, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "branch"), cases())
def test_every_template_renders_as_valid_telegram_html(
    lang: str, name: str, branch: dict[str, str]
) -> None:
    sample = SampleRenderer(ZoneInfo("Asia/Makassar"))
    sample.env.undefined = Anything
    text = sample.render(lang, name, **SAMPLES.get(name, {}), **branch)
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
    assert renderer.format_datetime(at, "id") == "17 Agu 2026 pukul 09.30 WITA"
    assert renderer.format_datetime(at, "en") == "17 Aug 2026, 09:30 WITA"
    assert renderer.format_date(date(2026, 8, 17), "id") == "17 Agu 2026"
