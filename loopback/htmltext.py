"""A strict checker for the HTML subset Telegram accepts in parse_mode=HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EntityParseError", "parse_html", "utf16_len"]

_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED = {*_SIMPLE_TAGS, "span", "a", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:.-]*")


class EntityParseError(ValueError):
    """Raised when a text is not valid Telegram HTML; the message is Telegram's wording."""


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    start: int
    byte_offset: int
    language: str | None = None
    children: list[str] = field(default_factory=list)


def _decode_entity(match: re.Match[str]) -> str:
    decimal, hexa, named = match.groups()
    if named is not None:
        return _NAMED_ENTITIES.get(named, match.group(0))
    code = int(decimal) if decimal is not None else int(hexa, 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def fail(self, message: str) -> EntityParseError:
        return EntityParseError(f"can't parse entities: {message}")

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "<":
                self.tag()
            elif char == "&":
                self.entity()
            else:
                nxt = min(
                    (i for i in (src.find("<", self.pos), src.find("&", self.pos)) if i != -1),
                    default=len(src),
                )
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def entity(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        if match is None:
            raise self.fail(
                f"Character entity expected at byte offset {self.byte_offset(self.pos)}"
                " (an unescaped '&')"
            )
        decimal, hexa, named = match.groups()
        if named is not None:
            if named not in _NAMED_ENTITIES:
                raise self.fail(
                    f'Unsupported HTML entity "&{named};" at byte offset '
                    f"{self.byte_offset(self.pos)}"
                )
            self.emit(_NAMED_ENTITIES[named])
        else:
            code = int(decimal) if decimal is not None else int(hexa, 16)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise self.fail(
                    f"Invalid character entity at byte offset {self.byte_offset(self.pos)}"
                )
            self.emit(chr(code))
        self.pos = match.end()

    def tag_end(self, start: int) -> int:
        quote: str | None = None
        for index in range(start + 1, len(self.src)):
            char = self.src[index]
            if quote is not None:
                if char == quote:
                    quote = None
            elif char in "\"'":
                quote = char
            elif char == ">":
                return index
            elif char == "<":
                break
        raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(start)}")

    def tag(self) -> None:
        start = self.pos
        end = self.tag_end(start)
        inner = self.src[start + 1 : end]
        self.pos = end + 1
        if inner.startswith("/"):
            self.close_tag(inner[1:].strip().lower(), start)
            return
        match = _TAG_NAME_RE.match(inner)
        if match is None:
            raise self.fail(
                f"Unsupported start tag at byte offset {self.byte_offset(start)} (an unescaped '<')"
            )
        name = match.group(0).lower()
        if name not in _SUPPORTED:
            raise self.fail(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(start)}'
            )
        attrs = self.attributes(inner[match.end() :], name, start)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise self.fail('Tag "tg-emoji" must have attribute "emoji-id"')
        self.stack.append(_Open(name, attrs, self.out_len, self.byte_offset(start)))

    def attributes(self, rest: str, tag: str, start: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        index = 0
        rest = rest.rstrip().removesuffix("/")
        while index < len(rest):
            if rest[index].isspace():
                index += 1
                continue
            match = _ATTR_NAME_RE.match(rest, index)
            if match is None:
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"'
                    f" at byte offset {self.byte_offset(start)}"
                )
            key = match.group(0).lower()
            index = match.end()
            if index >= len(rest) or rest[index] != "=":
                attrs[key] = ""
                continue
            index += 1
            if index < len(rest) and rest[index] in "\"'":
                close = rest.find(rest[index], index + 1)
                if close == -1:
                    raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(start)}")
                raw = rest[index + 1 : close]
                index = close + 1
            else:
                stop = index
                while stop < len(rest) and not rest[stop].isspace():
                    stop += 1
                raw, index = rest[index:stop], stop
            attrs[key] = _ENTITY_RE.sub(_decode_entity, raw)
        return attrs

    def close_tag(self, name: str, start: int) -> None:
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(start)}")
        top = self.stack.pop()
        if name != top.name:
            raise self.fail(
                f'Unmatched end tag at byte offset {self.byte_offset(start)}, expected "</'
                f'{top.name}>", found "</{name}>"'
            )
        length = self.out_len - top.start
        if top.name == "code" and self.stack and self.stack[-1].name == "pre":
            language = top.attrs.get("class", "")
            if language.startswith("language-") and top.start == self.stack[-1].start:
                self.stack[-1].language = language.removeprefix("language-")
                return
        if length == 0:
            return
        entity: dict[str, Any] = {"offset": top.start, "length": length}
        if top.name == "a":
            href = top.attrs.get("href")
            if not href:
                return
            if href.startswith("tg://user?id="):
                entity.update(type="text_mention", user={"id": int(href.split("=", 1)[1] or 0)})
            else:
                entity.update(type="text_link", url=href)
        elif top.name == "span":
            entity["type"] = "spoiler"
        elif top.name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=top.attrs["emoji-id"])
        elif top.name == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in top.attrs else "blockquote"
        else:
            entity["type"] = _SIMPLE_TAGS[top.name]
            if top.name == "pre" and top.language:
                entity["language"] = top.language
        self.entities.append(entity)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and MessageEntity dicts, or raise EntityParseError."""
    return _Parser(text).run()
