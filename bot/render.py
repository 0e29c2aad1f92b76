"""Message rendering: Jinja2 templates per language (HTML, autoescaped) and short labels."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_LOCALES = {"id": "id_ID", "en": "en_GB"}


def normalize_language(code: str | None) -> str:
    """Return a supported language for a Telegram language code ("en-US" -> "en")."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


class Renderer:
    """Render templates and labels in the user's language, dates in the office's zone."""

    def __init__(self, zone: ZoneInfo, directory: Path = TEMPLATES_DIR) -> None:
        self.zone = zone
        self.directory = directory
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )

    def render(self, lang: str, name: str, **context: Any) -> str:
        """Render `templates/<lang>/<name>.html.j2` with date and number filters for `lang`."""
        template = self.env.get_template(f"{lang}/{name}.html.j2")
        return template.render(
            lang=lang,
            fmt_date=lambda d: self.format_date(d, lang),
            fmt_datetime=lambda d: self.format_datetime(d, lang),
            fmt_number=lambda n: format_decimal(n, locale=_LOCALES[lang]),
            # A button's own label, so that a text naming a button names it as it reads.
            button=lambda key, **values: self.label(lang, key, **values),
            **context,
        ).strip()

    def label(self, lang: str, key: str, **values: Any) -> str:
        """Return a short plain-text label (button, alert, command description)."""
        text = self._labels[lang].get(key) or self._labels[DEFAULT_LANGUAGE][key]
        return text.format(**values) if values else text

    def has_label(self, key: str) -> bool:
        """Tell whether a label exists in the default language."""
        return key in self._labels[DEFAULT_LANGUAGE]

    def labels(self, lang: str) -> dict[str, str]:
        """Return every label of a language."""
        return dict(self._labels[lang])

    @cached_property
    def _labels(self) -> dict[str, dict[str, str]]:
        # Every templates/<lang>/*.toml file holds labels; each feature keeps its own file.
        result: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            merged: dict[str, str] = {}
            for path in sorted((self.directory / lang).glob("*.toml")):
                with path.open("rb") as handle:
                    labels = _flatten(tomllib.load(handle))
                clash = merged.keys() & labels.keys()
                if clash:
                    raise ValueError(f"{path}: labels defined twice: {', '.join(sorted(clash))}")
                merged.update(labels)
            result[lang] = merged
        return result

    def template_names(self) -> list[str]:
        """Return every message template name (shared by all languages)."""
        folder = self.directory / DEFAULT_LANGUAGE
        return sorted(p.name.removesuffix(".html.j2") for p in folder.glob("*.html.j2"))

    def format_date(self, value: date, lang: str) -> str:
        """Format a date in the user's locale ("23 Nov 2026")."""
        return format_date(value, format="medium", locale=_LOCALES[lang])

    def format_datetime(self, value: datetime, lang: str) -> str:
        """Format a time in the office's zone and locale: "2 Des 2026 pukul 09.30 WITA"."""
        local = value.astimezone(self.zone)
        locale = _LOCALES[lang]
        day = format_date(local, format="d MMM yyyy", locale=locale)
        clock = format_time(local, format="short", locale=locale)
        at = _AT.get(lang, "")
        return f"{day}{at}{clock} {_zone_abbreviation(self.zone)}"

    def datetime_formatter(self, lang: str) -> Callable[[datetime], str]:
        """Return `format_datetime` for one language, remembering each day and time of day.

        For long lists (a digest's CSV file formats thousands of due times): the date and the
        time of day are formatted once each, which is most of the cost.
        """
        locale = _LOCALES[lang]
        at = _AT.get(lang, "")
        zone = _zone_abbreviation(self.zone)
        days: dict[date, str] = {}
        clocks: dict[tuple[int, int], str] = {}

        def formatted(value: datetime) -> str:
            local = value.astimezone(self.zone)
            day = days.get(local.date())
            if day is None:
                day = days[local.date()] = format_date(local, format="d MMM yyyy", locale=locale)
            key = (local.hour, local.minute)
            clock = clocks.get(key)
            if clock is None:
                clock = clocks[key] = format_time(local, format="short", locale=locale)
            return f"{day}{at}{clock} {zone}"

        return formatted


# Between the date and the time: Indonesian says "pukul" before a time of day.
_AT = {"id": " pukul ", "en": ", "}


def _zone_abbreviation(zone: ZoneInfo) -> str:
    return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}.get(
        zone.key, zone.key
    )


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat
