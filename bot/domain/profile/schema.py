"""The SOP profile: one office's rules as validated, frozen data (docs/architecture.md §4).

Conventions a profile author relies on:

- Every user-facing string is a `Text`: `{id = "...", en = "..."}`; `en` falls back to `id`, and
  a bare string is shorthand for `{id = "..."}`.
- A duration (`ServiceLevel`) is `{amount, unit}` with unit "minutes", "hours" or "days". Minutes
  and hours count office time (office hours on working days); days count whole working days
  unless `calendar = true` (then minutes and hours count wall-clock time, days calendar days).
  `warn_at` is the elapsed amount, in the same unit and counting, after which staff get a
  reminder ("1-3 hari" is `amount = 3, warn_at = 1`). `tentative = true` marks an SOP time that
  is a target, not a promise ("Tentatif"): the bot reminds but does not escalate a breach, and
  says the date is indicative. `sop` is the seed's own words for the time ("1-3 hari",
  "Tentatif"), shown beside the due date on the card and in /lihat.
- Where a seed is silent the national rules apply: copy the numbers from `profiles/nasional.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, time
from typing import Annotated, Any, Literal, Self, get_args
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from bot.domain.vocabulary import (
    REPORTER_ACTIONS,
    STAFF_ACTIONS,
    Action,
    Channel,
    ReportType,
    Role,
    Stage,
)

ProblemPath = tuple[str | int, ...]


class RuleError(ValueError):
    """One or more problems found by a validator, each with a key path relative to it."""

    def __init__(self, problems: Sequence[tuple[ProblemPath, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = list(problems)


def _check(problems: list[tuple[ProblemPath, str]]) -> None:
    if problems:
        raise RuleError(problems)


_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PREFIX = re.compile(r"^[A-Z0-9]{2,8}$")


def _code(value: str) -> str:
    if not _CODE.match(value):
        raise ValueError("must be a code of lower-case letters, digits, _ or - (at most 40)")
    return value


def _prefix(value: str) -> str:
    if not _PREFIX.match(value):
        raise ValueError("must be 2 to 8 upper-case letters or digits")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Code = Annotated[str, Strict(), AfterValidator(_code)]
Prefix = Annotated[str, Strict(), AfterValidator(_prefix)]
NonBlank = Annotated[str, Strict(), AfterValidator(_not_blank)]
Flag = Annotated[bool, Strict()]
Amount = Annotated[int, Strict(), Field(gt=0)]
TimeUnit = Literal["minutes", "hours", "days"]
Timezone = Literal["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
Language = Literal["id", "en"]
IdentityField = Literal["name", "phone", "address", "email", "id_photo"]


def _duplicates(
    values: Iterable[object], what: str, key: str | None = None
) -> list[tuple[ProblemPath, str]]:
    """Return a problem for each repeated value, pointing at the repeat."""
    problems: list[tuple[ProblemPath, str]] = []
    seen: dict[object, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            path: ProblemPath = (index, key) if key else (index,)
            problems.append((path, f'duplicate {what} "{value}" (already at [{seen[value]}])'))
        else:
            seen[value] = index
    return problems


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Model):
    """A user-facing string in Indonesian (`id`, required) and English (`en`, optional)."""

    id: NonBlank
    en: NonBlank | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"id": data} if isinstance(data, str) else data

    def get(self, lang: str) -> str:
        """Return the text in `lang`, falling back to Indonesian."""
        return self.en if lang == "en" and self.en else self.id


class ServiceLevel(_Model):
    """A duration with an optional reminder point; see the module docstring for the counting."""

    amount: Amount
    unit: TimeUnit
    calendar: Flag = False
    warn_at: Amount | None = None
    tentative: Flag = False
    sop: NonBlank | None = None  # the seed's own words for this time, e.g. "1-3 hari"

    @model_validator(mode="after")
    def _warn_before_due(self) -> Self:
        if self.warn_at is not None and self.warn_at >= self.amount:
            raise RuleError(
                [(("warn_at",), f"must be less than amount ({self.amount}) (got {self.warn_at})")]
            )
        return self


class OfficeHours(_Model):
    """The office's daily hours, in its own timezone."""

    start: time = time(8, 0)
    end: time = time(16, 0)

    @model_validator(mode="after")
    def _order(self) -> Self:
        problems: list[tuple[ProblemPath, str]] = [
            ((key,), "must be a local time without a UTC offset")
            for key in ("start", "end")
            if getattr(self, key).tzinfo is not None
        ]
        if not problems and self.start >= self.end:
            problems.append(
                (("end",), f"must be later than start ({self.start:%H:%M}) (got {self.end:%H:%M})")
            )
        _check(problems)
        return self


class Holidays(_Model):
    """National holidays (SKB 3 Menteri, via lokal-id) plus the office's own changes."""

    use_national: Flag = True
    add: tuple[date, ...] = ()
    remove: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [(("add", *p), m) for p, m in _duplicates(self.add, "date")]
        problems += [(("remove", *p), m) for p, m in _duplicates(self.remove, "date")]
        problems += [
            (("remove", i), f"{day} is also in holidays.add")
            for i, day in enumerate(self.remove)
            if day in self.add
        ]
        _check(problems)
        return self


class RoleNames(_Model):
    """What the office calls each role (display only; staff live in the database)."""

    operator: Text = Text(id="Operator", en="Operator")
    liaison: Text = Text(id="Pejabat Penghubung", en="Liaison officer")
    supervisor: Text = Text(id="Atasan", en="Supervisor")
    viewer: Text = Text(id="Pemantau", en="Viewer")

    def get(self, role: Role) -> Text:
        """Return the display name of `role`."""
        text: Text = getattr(self, role.value)
        return text


class Unit(_Model):
    """A unit that reports are disposed to (seeds the database at first start only)."""

    code: Code
    name: Text
    kind: Code | None = None  # e.g. opd, rs, puskesmas, sekolah, kecamatan, desa


_ROLES = tuple[Role, ...]


class Permissions(_Model):
    """Which roles may perform each staff action; the reporter's own actions are not listed."""

    dispose: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    answer_info: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    reclassify: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    reject: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    mark_duplicate: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    ask_info: _ROLES = (Role.OPERATOR, Role.LIAISON, Role.SUPERVISOR)
    accept: _ROLES = (Role.LIAISON, Role.SUPERVISOR)
    return_to_triage: _ROLES = (Role.LIAISON, Role.SUPERVISOR)
    reassign: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    answer: _ROLES = (Role.LIAISON, Role.SUPERVISOR)
    approve: _ROLES = (Role.SUPERVISOR,)
    send_back: _ROLES = (Role.SUPERVISOR,)
    close: _ROLES = (Role.OPERATOR, Role.SUPERVISOR)
    extend: _ROLES = (Role.SUPERVISOR,)
    note: _ROLES = (Role.OPERATOR, Role.LIAISON, Role.SUPERVISOR)
    # A reporter without Telegram answers staff by phone, letter or in person: recording that
    # answer, or the attempt to reach them, is for the roles that may ask (None: as ask_info).
    record_info: _ROLES | None = None
    record_contact: _ROLES | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_reporter_actions(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _check(
                [
                    ((key,), "is the reporter's own action; permissions list staff actions only")
                    for key in data
                    if key in REPORTER_ACTIONS
                ]
            )
        return data

    def roles(self, action: Action) -> tuple[Role, ...]:
        """Return the roles allowed to perform a staff action (none for the reporter's)."""
        if action in REPORTER_ACTIONS:
            return ()
        roles: tuple[Role, ...] | None = getattr(self, action.value)
        return self.ask_info if roles is None else roles


class Steps(_Model):
    """The optional steps of the shared workflow (docs/architecture.md §3)."""

    reclassify: Flag = True
    # Who approves an answer before it goes out, in order; empty: answers go out directly.
    approval_levels: tuple[Role, ...] = ()
    # What each level is called, in the same order (the card says whose level it is).
    approval_names: tuple[Text, ...] = ()
    # True: a disposed report waits in DISPOSED until the unit accepts (or returns) it.
    # False: disposition puts it straight into IN_PROGRESS.
    liaison_accept: Flag = True
    # True: triage may answer a report directly (SUBMITTED -> ANSWERED), but only one of the
    # types below: a complaint always goes through the SOP's steps (seed 003, step 3).
    answer_info_directly: Flag = True
    direct_answer_types: tuple[ReportType, ...] = (ReportType.INFORMASI,)
    # True: whoever disposes must write what the problem is (seed 000, step 2: the Ketua
    # "mengidentifikasi masalah"); the note is on the card and in /lihat for the next actor.
    identify_on_dispose: Flag = False

    @model_validator(mode="after")
    def _named_levels(self) -> Self:
        if self.approval_names and len(self.approval_names) != len(self.approval_levels):
            raise RuleError(
                [
                    (
                        ("approval_names",),
                        f"must name each of the {len(self.approval_levels)} approval_levels"
                        f" (got {len(self.approval_names)})",
                    )
                ]
            )
        return self

    def uses(self, action: Action) -> bool:
        """Return False for the action of an optional step this office does not use."""
        if action is Action.RECLASSIFY:
            return self.reclassify
        if action in (Action.APPROVE, Action.SEND_BACK):
            return bool(self.approval_levels)
        if action is Action.ACCEPT:
            return self.liaison_accept
        if action is Action.ANSWER_INFO:
            return self.answer_info_directly and bool(self.direct_answer_types)
        return True

    def answers_directly(self, report_type: ReportType | None) -> bool:
        """Tell whether a report of this type may be answered without the SOP's steps."""
        return self.answer_info_directly and report_type in self.direct_answer_types


class ServiceLevels(_Model):
    """How long a report may stay in each stage that has a clock (absent: no clock)."""

    submitted: ServiceLevel | None = None
    disposed: ServiceLevel | None = None
    in_progress: ServiceLevel | None = None
    awaiting_approval: ServiceLevel | None = None


class EndToEnd(_Model):
    """Submission-to-answer service levels: per channel where the SOP gives one, else `default`."""

    default: ServiceLevel | None = None
    channels: dict[Channel, ServiceLevel] = Field(default_factory=dict)

    def for_channel(self, channel: Channel) -> ServiceLevel | None:
        """Return the end-to-end service level of reports from `channel`."""
        return self.channels.get(channel, self.default)


class Limits(_Model):
    """Automatic closing, the reporter's dispute window and escalation."""

    needs_info_close_after: ServiceLevel  # NEEDS_INFO without the reporter's answer -> CLOSED
    answered_close_after: ServiceLevel  # ANSWERED without a rating -> CLOSED
    dispute_within: ServiceLevel  # after the answer, the reporter may say "belum puas"
    escalate_after_breach: ServiceLevel  # past a due date this long -> escalated to supervisors


class ChannelOption(_Model):
    """A channel the office accepts reports through."""

    code: Channel
    name: Text
    identity_required: Flag = False
    note: Text | None = None  # the SOP's requirement, e.g. "show your KTP"
    # What /catat must record of the reporter for this channel, each entry a field or
    # alternatives ("address|phone": one of them); fields not named stay optional.
    identity_fields: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_fields(self) -> Self:
        known = set(get_args(IdentityField))
        _check(
            [
                (("identity_fields", i), f'"{part}" is not one of {", ".join(sorted(known))}')
                for i, entry in enumerate(self.identity_fields)
                for part in entry.split("|")
                if part not in known
            ]
        )
        return self


class ReportTypeOption(_Model):
    """A report type the office offers, with a one-line explanation for the citizen."""

    code: ReportType
    name: Text
    description: Text
    # False: reporters cannot choose it; staff reach it by changing a report's type (seed 003:
    # only the Tim Utama decides that a report is "only information").
    offered: Flag = True


class Subcategory(_Model):
    """A sub-category of a category."""

    code: Code
    name: Text


class Category(_Model):
    """A category the citizen picks (seed 003), with optional sub-categories."""

    code: Code
    name: Text
    subcategories: tuple[Subcategory, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        codes = (s.code for s in self.subcategories)
        _check([(("subcategories", *p), m) for p, m in _duplicates(codes, "code", "code")])
        return self

    def subcategory(self, code: str) -> Subcategory | None:
        """Return the sub-category with `code`, or None."""
        return next((s for s in self.subcategories if s.code == code), None)


class Identity(_Model):
    """What the reporter is asked about themself, and the privacy flags offered."""

    required_fields: tuple[IdentityField, ...] = ("name",)
    optional_fields: tuple[IdentityField, ...] = ("phone", "address", "email")
    allow_anonymous: Flag = True  # `anonim`: staff never see who reported
    allow_confidential: Flag = True  # `rahasia`: details stay out of the shared staff group
    privacy_first: Flag = False  # offer both flags before any identity question (seed 004)
    # Retention (UU 27/2022): the reporter's personal data is purged this many calendar days
    # after their last report ended; the report's figures stay. None: RETENTION_DAYS applies.
    retention_days: Annotated[int, Strict(), Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[tuple[ProblemPath, str]] = []
        for key in ("required_fields", "optional_fields"):
            problems += [((key, *p), m) for p, m in _duplicates(getattr(self, key), "field")]
        problems += [
            (("optional_fields", i), f'"{field}" is already in required_fields')
            for i, field in enumerate(self.optional_fields)
            if field in self.required_fields
        ]
        if self.privacy_first and not (self.allow_anonymous or self.allow_confidential):
            problems.append(
                (("privacy_first",), "needs allow_anonymous or allow_confidential to be true")
            )
        _check(problems)
        return self


ScreeningCategory = Literal[
    "profanity", "insult", "sara_religion", "sara_ethnicity_race", "sara_group", "threat"
]  # fmt: skip


class ScreeningWord(_Model):
    """A word the office adds to the screening lexicon, with why it is listed (shown to staff)."""

    term: NonBlank
    category: ScreeningCategory
    severity: Literal["flag", "block"] = "flag"
    explanation: NonBlank | None = None


class Screening(_Model):
    """The office's own screening words (issue 13), on top of the bundled lexicon.

    `words` names a TOML word list relative to the profile file (`words = "kata.toml"`); the
    loader reads it into `add` and `remove` (after any given here). `remove` drops a term, a
    variant or a group name; `add` lists a new term or changes an existing one's severity.
    """

    words: NonBlank | None = None
    add: tuple[ScreeningWord, ...] = ()
    remove: tuple[NonBlank, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[tuple[ProblemPath, str]] = []
        removed = {w.strip().lower() for w in self.remove}
        problems += [
            (("add", i, "term"), f'"{word.term}" is also in remove')
            for i, word in enumerate(self.add)
            if word.term.strip().lower() in removed
        ]
        problems += [(("add", *p), m) for p, m in _duplicates([w.term for w in self.add], "term")]
        _check(problems)
        return self


class Prerequisite(_Model):
    """A statement the citizen confirms before reporting (seed 004)."""

    code: Code
    text: Text


class Output(_Model):
    """A named output or register the SOP keeps (e.g. "Laporan Gratifikasi dan WBK")."""

    code: Code
    name: Text
    description: Text | None = None


class Letter(_Model):
    """The answer letter ("surat jawaban", seed 002): letterhead, number and signatory."""

    letterhead: Text | None = None  # default: the office's name
    address: Text | None = None  # the letterhead's second line
    # The letter's number; {seq} the report's sequence, {number} its tracking number,
    # {year} the year of the letter, {prefix} the profile's prefix.
    number_format: NonBlank = "{seq}/{prefix}/{year}"
    signatory_title: Text = Text(id="Kepala Kantor", en="Head of Office")
    signatory_name: NonBlank | None = None
    signatory_nip: NonBlank | None = None
    # Channels whose answer goes as a letter (seed 002: the letter and the box).
    channels: tuple[Channel, ...] = (Channel.SURAT, Channel.KOTAK_SARAN)


class Reports(_Model):
    """The register and the reports the office keeps (docs/reports.md)."""

    # The register's title; None: the national default ("Buku Register Pengaduan").
    register_title: Text | None = None
    letter: Letter = Letter()
    # KIE (communication, information, education) monitoring in the monthly report.
    kie: Flag = False


class AutomaticStep(_Model):
    """A step the SOP lists that the bot performs by itself."""

    step: Text
    note: Text


def _unique_codes(
    field: str, items: Sequence[Any], what: str = "code"
) -> list[tuple[ProblemPath, str]]:
    return [((field, *p), m) for p, m in _duplicates((i.code for i in items), what, "code")]


class Profile(_Model):
    """One office's SOP: who does what, in which steps, within which times."""

    name: Text
    short_name: Text
    prefix: Prefix  # tracking numbers are PREFIX-YYYY-NNNNNN
    description: Text | None = None
    source: NonBlank  # which seed or regulation the profile follows

    timezone: Timezone = "Asia/Jakarta"
    office_hours: OfficeHours = OfficeHours()
    working_days: tuple[Annotated[int, Strict(), Field(ge=1, le=7)], ...] = (1, 2, 3, 4, 5)
    holidays: Holidays = Holidays()
    languages: tuple[Language, ...] = ("id", "en")

    roles: RoleNames = RoleNames()
    units: tuple[Unit, ...] = ()
    permissions: Permissions = Permissions()
    steps: Steps = Steps()
    service_levels: ServiceLevels = ServiceLevels()
    end_to_end: EndToEnd = EndToEnd()
    limits: Limits

    channels: tuple[ChannelOption, ...]
    report_types: tuple[ReportTypeOption, ...]
    categories: tuple[Category, ...] = ()
    identity: Identity = Identity()
    prerequisites: tuple[Prerequisite, ...] = ()
    outputs: tuple[Output, ...] = ()
    automatic_steps: tuple[AutomaticStep, ...] = ()
    reports: Reports = Reports()
    screening: Screening = Screening()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems: list[tuple[ProblemPath, str]] = []
        if not self.working_days:
            problems.append((("working_days",), "must name at least one weekday (1 = Monday)"))
        problems += [(("working_days", *p), m) for p, m in _duplicates(self.working_days, "day")]
        if "id" not in self.languages:
            problems.append((("languages",), 'must include "id"'))
        problems += [(("languages", *p), m) for p, m in _duplicates(self.languages, "language")]
        for field in ("units", "categories", "prerequisites", "outputs"):
            problems += _unique_codes(field, getattr(self, field))
        problems += _unique_codes("channels", self.channels, "channel")
        problems += _unique_codes("report_types", self.report_types, "report type")
        if not self.report_types:
            problems.append((("report_types",), "must offer at least one report type"))
        elif not any(t.offered for t in self.report_types):
            problems.append((("report_types",), "must let reporters choose at least one type"))
        accepted = {c.code for c in self.channels}
        if Channel.TELEGRAM not in accepted:
            problems.append((("channels",), 'must include "telegram" (the bot\'s own channel)'))
        problems += [
            (("end_to_end", "channels", channel.value), "is not one of the office's channels")
            for channel in self.end_to_end.channels
            if channel not in accepted
        ]
        for action in sorted(STAFF_ACTIONS):
            if self.steps.uses(action) and not self.permissions.roles(action):
                problems.append(
                    (
                        ("permissions", action.value),
                        "no role may perform this action; name at least one role"
                        " (or turn its optional step off in [steps])",
                    )
                )
        problems += [
            (("steps", "approval_levels", i), f'"{role}" may not approve (see permissions.approve)')
            for i, role in enumerate(self.steps.approval_levels)
            if role not in self.permissions.approve
        ]
        _check(problems)
        return self

    # --- helpers ---------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """Return the office's timezone."""
        return ZoneInfo(self.timezone)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        """Return the codes of the initial units, in profile order."""
        return tuple(u.code for u in self.units)

    def office_name(self, lang: str) -> str:
        """Return the office's name in `lang`."""
        return self.name.get(lang)

    def role_name(self, role: Role, lang: str) -> str:
        """Return what this office calls `role`, in `lang`."""
        return self.roles.get(role).get(lang)

    def uses(self, action: Action) -> bool:
        """Return False for a step this office does not use (a type change with one type)."""
        if action is Action.RECLASSIFY and len(self.report_types) < 2:
            return False
        return self.steps.uses(action)

    def may(self, role: Role, action: Action) -> bool:
        """Return whether `role` may perform a staff `action` (False if its step is off)."""
        return self.uses(action) and role in self.permissions.roles(action)

    def service_level(self, stage: Stage) -> ServiceLevel | None:
        """Return how long a report may stay in `stage`, or None if the stage has no clock."""
        if stage.value not in ServiceLevels.model_fields:
            return None
        level: ServiceLevel | None = getattr(self.service_levels, stage.value)
        return level

    def end_to_end_for(self, channel: Channel) -> ServiceLevel | None:
        """Return the submission-to-answer service level of a report from `channel`."""
        return self.end_to_end.for_channel(channel)

    def channel(self, code: Channel) -> ChannelOption | None:
        """Return the office's option for `code`, or None if it does not accept that channel."""
        return next((c for c in self.channels if c.code == code), None)

    def offered_types(self) -> tuple[ReportTypeOption, ...]:
        """Return the types a reporter may choose (and the one used when only one is)."""
        return tuple(t for t in self.report_types if t.offered)

    def report_type(self, code: ReportType) -> ReportTypeOption | None:
        """Return the office's option for a report type, or None if it is not offered."""
        return next((t for t in self.report_types if t.code == code), None)

    def category(self, code: str) -> Category | None:
        """Return the category with `code`, or None."""
        return next((c for c in self.categories if c.code == code), None)

    def unit(self, code: str) -> Unit | None:
        """Return the initial unit with `code`, or None."""
        return next((u for u in self.units if u.code == code), None)
