"""The report a citizen is writing: its steps, their order, and the checks on each answer.

Plain data and functions (no Telegram, no SQL), so that the conversation in handlers/report.py
stays a thin layer and the rules can be tested on their own. A draft is saved after every answer
and carries everything needed to resume it after a restart.
"""

from __future__ import annotations

import re
import uuid
from copy import deepcopy
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from enum import IntEnum
from typing import Any, Literal

import lokal

from bot.domain.profile import Profile
from bot.domain.screening import Verdict, mask, screen
from bot.domain.screening.office import office_lexicon
from bot.domain.vocabulary import ReportType
from storage.models import Report

CONVERSATION = "report"
# The step name of a draft the bot offered to start from a plain message.
OFFERED = "OFFERED"

TITLE_MIN, TITLE_MAX = 5, 100
DESCRIPTION_MIN, DESCRIPTION_MIN_WORDS = 50, 8
# Telegram allows 4096 characters; the full text is later sent to staff with a header.
DESCRIPTION_MAX = 3800
PLACE_MIN, PLACE_MAX = 3, 300
NAME_MIN, NAME_MAX = 2, 100
ADDRESS_MIN, ADDRESS_MAX = 10, 300
MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024  # getFile's limit: staff could not open a larger file
OLDEST_EVENT = date(2000, 1, 1)

# Documents staff can open on any phone; anything else (archives, programs) is refused.
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "video/mp4",
        "audio/mpeg",
        "audio/ogg",
        "text/plain",
    }
)
FILE_KINDS = ("photo", "document", "video", "voice", "audio")


class Step(IntEnum):
    """The questions of the report conversation; the order of `ORDER` is the order asked."""

    RESUME = 0
    CHECKLIST = 1
    PRIVACY_ANON = 2
    PRIVACY_CONF = 3
    TYPE = 4
    CATEGORY = 5
    SUBCATEGORY = 6
    TITLE = 7
    DESCRIPTION = 8
    EVENT_DATE = 9
    LOCATION = 10
    EVIDENCE = 11
    CONSENT = 12
    IDENTITY_REUSE = 13
    NAME = 14
    PHONE = 15
    ADDRESS = 16
    EMAIL = 17
    ID_PHOTO = 18
    SUMMARY = 19
    EDIT = 20


_CONTENT = [Step.TYPE, Step.CATEGORY, Step.SUBCATEGORY, Step.TITLE, Step.DESCRIPTION]
_CONTENT += [Step.EVENT_DATE, Step.LOCATION]
_PRIVACY = [Step.PRIVACY_ANON, Step.PRIVACY_CONF]
_IDENTITY = [Step.CONSENT, Step.IDENTITY_REUSE, Step.NAME, Step.PHONE, Step.ADDRESS]
_IDENTITY += [Step.EMAIL, Step.ID_PHOTO]
IDENTITY_FIELDS = {
    Step.NAME: "name",
    Step.PHONE: "phone",
    Step.ADDRESS: "address",
    Step.EMAIL: "email",
    Step.ID_PHOTO: "id_photo",
}
# Steps a person may jump back to from the summary.
EDITABLE: tuple[Step, ...] = (
    Step.TYPE,
    Step.CATEGORY,
    Step.TITLE,
    Step.DESCRIPTION,
    Step.EVENT_DATE,
    Step.LOCATION,
    Step.PRIVACY_ANON,
    Step.EVIDENCE,
    Step.NAME,
    Step.PHONE,
    Step.ADDRESS,
)


def order(profile: Profile) -> list[Step]:
    """Return the steps in the order this office asks them.

    Privacy comes before the evidence so that an anonymous reporter is warned before sending
    documents; offices that protect whistleblowers (seed 004) ask it right after the checklist.
    """
    if profile.identity.privacy_first:
        return [Step.CHECKLIST, *_PRIVACY, *_CONTENT, Step.EVIDENCE, *_IDENTITY, Step.SUMMARY]
    return [Step.CHECKLIST, *_CONTENT, *_PRIVACY, Step.EVIDENCE, *_IDENTITY, Step.SUMMARY]


@dataclass
class ReportDraft:
    """Everything the citizen answered so far; JSON-serialisable for the drafts table."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    done: list[str] = field(default_factory=list)
    type: str | None = None
    category: str | None = None
    subcategory: str | None = None
    title: str | None = None
    description: str | None = None
    event_date: str | None = None
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    anonymous: bool = False
    confidential: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    consent: bool = False
    reuse_identity: bool = False
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    email: str | None = None
    id_photo: str | None = None
    # A text the screening blocked, kept while the citizen decides to rephrase or send it as is.
    pending: dict[str, Any] | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    editing: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the draft as JSON-ready data, a copy sharing nothing with the draft.

        What dataclasses.asdict returns, made by hand: asdict deep-copies every leaf through
        copy.deepcopy (28 us of CPU for a draft, at every step of every conversation; ~8 us).
        """
        return {name: _copied(getattr(self, name)) for name in _DRAFT_FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportDraft:
        """Rebuild a draft, ignoring keys an older version stored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def mark(self, step: Step) -> None:
        """Record a step as answered."""
        if step.name not in self.done:
            self.done.append(step.name)

    def unmark(self, *steps: Step) -> None:
        """Forget that steps were answered, so they are asked again."""
        self.done = [name for name in self.done if name not in {s.name for s in steps}]

    def is_done(self, step: Step) -> bool:
        """Tell whether a step was answered."""
        return step.name in self.done


_DRAFT_FIELDS = tuple(ReportDraft.__dataclass_fields__)
_IMMUTABLE = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    """Return a JSON-ready value copied as asdict copies it (containers rebuilt, leaves kept)."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, dict):
        return {_copied(k): _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else deepcopy(value)


def chosen_type(profile: Profile, draft: ReportDraft) -> ReportType:
    """Return the draft's report type: the citizen's choice, or the office's only one."""
    return ReportType(draft.type) if draft.type else profile.offered_types()[0].code


# A request for information asks a question: there is no incident to date or to place.
_INCIDENT_STEPS = frozenset({Step.EVENT_DATE, Step.LOCATION})


def applies(step: Step, profile: Profile, draft: ReportDraft, *, has_identity: bool) -> bool:
    """Tell whether this office asks this step of this draft."""
    identity = profile.identity
    wanted = set(identity.required_fields) | set(identity.optional_fields)
    match step:
        case Step.CHECKLIST:
            return bool(profile.prerequisites)
        case Step.PRIVACY_ANON:
            return identity.allow_anonymous
        case Step.PRIVACY_CONF:
            return identity.allow_confidential
        case Step.TYPE:
            return len(profile.offered_types()) > 1
        case Step.CATEGORY:
            return bool(profile.categories)
        case Step.SUBCATEGORY:
            category = profile.category(draft.category) if draft.category else None
            return category is not None and bool(category.subcategories)
        case Step.CONSENT:
            return not draft.anonymous and bool(wanted)
        case Step.IDENTITY_REUSE:
            return not draft.anonymous and has_identity
        case Step.NAME | Step.PHONE | Step.ADDRESS | Step.EMAIL | Step.ID_PHOTO:
            return (
                not draft.anonymous and not draft.reuse_identity and IDENTITY_FIELDS[step] in wanted
            )
        case Step.RESUME | Step.EDIT:
            return False
    if step in _INCIDENT_STEPS:
        return chosen_type(profile, draft) is not ReportType.INFORMASI
    return True


def next_step(
    profile: Profile, draft: ReportDraft, *, has_identity: bool, after: Step | None = None
) -> Step:
    """Return the first step still to answer (after `after`), or the summary."""
    steps = order(profile)
    start = steps.index(after) + 1 if after in steps else 0
    for step in steps[start:]:
        if step is Step.SUMMARY:
            return step
        if applies(step, profile, draft, has_identity=has_identity) and not draft.is_done(step):
            return step
    return Step.SUMMARY


def previous_step(
    profile: Profile, draft: ReportDraft, current: Step, *, has_identity: bool
) -> Step | None:
    """Return the step before `current` that this draft asks, or None at the first one."""
    steps = order(profile)
    if current not in steps:
        return None
    for step in reversed(steps[: steps.index(current)]):
        if applies(step, profile, draft, has_identity=has_identity):
            return step
    return None


def first_step(profile: Profile, draft: ReportDraft, *, has_identity: bool) -> Step:
    """Return where a new (or quick-form) draft starts."""
    return next_step(profile, draft, has_identity=has_identity)


def is_required(profile: Profile, step: Step) -> bool:
    """Tell whether an identity step may not be skipped."""
    return IDENTITY_FIELDS.get(step) in profile.identity.required_fields


# --- checks on answers ----------------------------------------------------------------------

Problem = Literal[
    "too_short",
    "too_long",
    "too_few_words",
    "not_text",
    "bad_date",
    "future_date",
    "old_date",
    "bad_phone",
    "bad_email",
    "no_letters",
    "too_many_files",
    "file_too_big",
    "file_type",
]


@dataclass(frozen=True, slots=True)
class Invalid:
    """An answer that cannot be used, and why (rendered by the template `intake_invalid`)."""

    problem: Problem
    limit: int | None = None


def _clean(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text.strip())


def _one_line(text: str, shortest: int, longest: int) -> str | Invalid:
    """Return the text on one line with single spaces, or why its length cannot be used."""
    cleaned = " ".join(text.split())
    if len(cleaned) < shortest:
        return Invalid("too_short", shortest)
    if len(cleaned) > longest:
        return Invalid("too_long", longest)
    return cleaned


def check_title(text: str) -> str | Invalid:
    """Return the cleaned title or why it cannot be used."""
    return _one_line(text, TITLE_MIN, TITLE_MAX)


def check_description(text: str) -> str | Invalid:
    """Return the cleaned description or why it is not a real description yet."""
    description = _clean(text)
    if len(description) > DESCRIPTION_MAX:
        return Invalid("too_long", DESCRIPTION_MAX)
    if len(description) < DESCRIPTION_MIN:
        return Invalid("too_short", DESCRIPTION_MIN)
    if len(description.split()) < DESCRIPTION_MIN_WORDS:
        return Invalid("too_few_words", DESCRIPTION_MIN_WORDS)
    return description


_DATE = re.compile(r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$")


def check_event_date(text: str, today: date) -> date | Invalid:
    """Return the date typed as dd-mm-yyyy (or dd/mm/yyyy), not in the future."""
    match = _DATE.match(text)
    if match is None:
        return Invalid("bad_date")
    day, month, year = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        return Invalid("bad_date")
    if value > today:
        return Invalid("future_date")
    if value < OLDEST_EVENT:
        return Invalid("old_date")
    return value


def relative_date(choice: Literal["today", "yesterday"], today: date) -> date:
    """Return the date a "today"/"yesterday" button means."""
    return today if choice == "today" else today - timedelta(days=1)


def check_place(text: str) -> str | Invalid:
    """Return the cleaned place description or why it cannot be used."""
    return _one_line(text, PLACE_MIN, PLACE_MAX)


def check_name(text: str) -> str | Invalid:
    """Return the cleaned name or why it cannot be used."""
    name = _one_line(text, NAME_MIN, NAME_MAX)
    if isinstance(name, Invalid):
        return name
    if not any(ch.isalpha() for ch in name):
        return Invalid("no_letters")
    return name


def check_phone(text: str) -> str | Invalid:
    """Return an Indonesian number in E.164 (+62...) or why it is not one."""
    info = lokal.parse_phone(text.strip())
    if not info.valid or not info.e164:
        return Invalid("bad_phone")
    return str(info.e164)


def check_address(text: str) -> str | Invalid:
    """Return the cleaned address or why it cannot be used."""
    return _one_line(text, ADDRESS_MIN, ADDRESS_MAX)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def check_email(text: str) -> str | Invalid:
    """Return the e-mail address or why it is not one."""
    email = text.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        return Invalid("bad_email")
    return email


def check_file(
    draft: ReportDraft, kind: str, mime_type: str | None, size: int | None
) -> Invalid | None:
    """Return why a file cannot be attached, or None when it can."""
    return file_problem(len(draft.attachments), kind, mime_type, size)


def file_problem(held: int, kind: str, mime_type: str | None, size: int | None) -> Invalid | None:
    """Return why one more file cannot join `held` others (count, size, type), or None."""
    if held >= MAX_FILES:
        return Invalid("too_many_files", MAX_FILES)
    if size is not None and size > MAX_FILE_BYTES:
        return Invalid("file_too_big", MAX_FILE_BYTES // (1024 * 1024))
    if kind == "document" and (mime_type or "").lower() not in DOCUMENT_TYPES:
        return Invalid("file_type")
    if kind not in FILE_KINDS:
        return Invalid("file_type")
    return None


def similar(a: str, b: str) -> float:
    """Return how alike two texts are, from 0 to 1, ignoring case and spacing."""
    left, right = " ".join(a.lower().split()), " ".join(b.lower().split())
    return SequenceMatcher(None, left, right).ratio()


def office_today(now: datetime, profile: Profile) -> date:
    """Return today's date in the office's timezone."""
    return now.astimezone(profile.zone).date()


def quick_draft(profile: Profile, text: str) -> ReportDraft:
    """Return a draft whose description is a text the citizen already sent (/lapor <text>)."""
    draft = ReportDraft()
    checked = check_description(text)
    if isinstance(checked, Invalid):
        draft.flags["quick_text"] = " ".join(text.split())[:DESCRIPTION_MAX]
    else:
        draft.description = checked
        draft.mark(Step.DESCRIPTION)
    return draft


SIMILAR_OWN_REPORT = 0.8


@dataclass(frozen=True, slots=True)
class TextCheck:
    """What screening found in one answer: ok, flag (let through, marked) or block."""

    outcome: str
    terms: tuple[str, ...]
    categories: tuple[str, ...]
    masked: str

    def as_data(self) -> dict[str, Any]:
        """Return the check as JSON for the report's screening column."""
        return {
            "outcome": self.outcome,
            "terms": list(self.terms),
            "categories": list(self.categories),
        }


def check_text(text: str, profile: Profile | None = None) -> TextCheck:
    """Screen one text the citizen wrote (title, description, caption, added information).

    With `profile`, the office's own word list (`[screening]` in the profile) applies too.
    """
    verdict: Verdict = screen(text, lexicon=office_lexicon(profile))
    return TextCheck(verdict.outcome, verdict.terms, verdict.categories, mask(text, verdict))


def similar_open_report(open_reports: list[Report], description: str) -> Report | None:
    """Return the reporter's own open report with (nearly) the same text, if any."""
    best = max(open_reports, key=lambda r: similar(r.description, description), default=None)
    if best is not None and similar(best.description, description) >= SIMILAR_OWN_REPORT:
        return best
    return None


def screening_marks(draft: ReportDraft) -> dict[str, Any]:
    """Return what staff see of the screening: flagged words, and possible duplicates.

    `screen_*` flags are copied as they are; `dup_*` flags too, and the numbers of the other
    reporters' reports the citizen was shown and filed anyway become `possible_duplicates`.
    """
    marks = {k: v for k, v in draft.flags.items() if k.startswith(("screen_", "dup_"))}
    offered = draft.flags.get("dup_candidates") or []
    numbers = [str(c["number"]) for c in offered if isinstance(c, dict) and c.get("number")]
    if numbers:
        marks["possible_duplicates"] = numbers
    return marks
