"""One spec per staff action: its button, what it asks for, what it sets, and who hears of it.

Pure data, no I/O. The card (bot/telegram/cards.py), the handlers (handlers/staff/card.py and
replies.py), the use case (bot/services/staff_actions.py) and the notices (bot/services/notify.py)
all read `SPECS`, so what "dispose" does is found in its one row below.

Who may act, and from which stages, stays where the SOP puts it: the workflow's `SOURCES`, the
profile's permissions and optional steps, and `access.HOLDER_ACTIONS`. A spec points to them
(`starts_from`, `roles`, `holder_only`) and never repeats them.

What an action needs from the repository, the renderer or the office calendar (a unit, a tracking
number, the reporter's language, working days) is a `Lookup` the use case resolves; everything
else is a pure `Builder` here.

Adding an action: its row in `SPECS`, its labels in templates/*/card_buttons.toml (the button)
and templates/*/staff.toml (the prompt, the choices), and tests/test_action_specs.py covers it.

```mermaid
flowchart LR
    B[button: card_button.action] --> P{picker?}
    P -- yes --> C[choices: static or from the registry] --> R
    P -- no --> R{reply needed for this choice?}
    R -- yes --> F[prompt: staff_prompt.action] --> A
    R -- no --> A[arguments: Builder or Lookup] --> N[notices: reporter, followers, unit]
```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bot.domain.access import HOLDER_ACTIONS
from bot.domain.profile import Profile
from bot.domain.vocabulary import Action, ReportType, Role, Stage
from bot.domain.workflow import SOURCES
from storage.models import Report, StaffMember

# A reassignment to a person (rather than a unit) picks `p<staff id>`.
PERSON = "p"
REJECT_REASONS = ("not_relevant", "abuse", "incomplete", "outside", "other")
EXTEND_DAYS = ("1", "3", "5", "10")


class PickerKind(StrEnum):
    """What a picker offers before the action happens."""

    UNIT = "unit"  # another active unit (from the registry)
    HOLDER = "holder"  # another active unit, or one liaison of the unit holding it (registry)
    TYPE = "type"  # a report type
    REASON = "reason"  # a reason for rejecting
    DAYS = "days"  # working days of an extension


class StaffAudience(StrEnum):
    """Staff told privately of an action, with the note typed (not only in /riwayat)."""

    TRIAGE = "triage"  # those who may dispose: a report returned to them, with the reason
    DRAFTER = "drafter"  # who wrote the answer: a send-back during approval, with the note


# Pickers whose choices come from the live registry (units, staff), not from the spec.
REGISTRY_PICKERS = frozenset({PickerKind.UNIT, PickerKind.HOLDER})


@dataclass(frozen=True, slots=True)
class Picker:
    """The choices an action offers on the card before anything happens."""

    kind: PickerKind
    # The choices when they are fixed; () when they come from the registry.
    choices: tuple[str, ...] = ()
    # The label key of a fixed choice; "{choice}" is replaced, and the label may use it too.
    label: str = ""
    # The report column whose current value is not offered again ("unit_id", "type").
    current: str | None = None
    per_row: int = 1

    def valid(self, choice: str, profile: Profile | None = None) -> bool:
        """Tell whether a picked value is one this picker offers (in this office)."""
        if self.kind is PickerKind.UNIT:
            return choice.isdigit()
        if self.kind is PickerKind.HOLDER:
            return choice.removeprefix(PERSON).isdigit()
        return choice in self.offered(profile)

    def offered(self, profile: Profile | None = None) -> tuple[str, ...]:
        """Return the fixed choices, narrowed to the office's own report types for a type."""
        if self.kind is PickerKind.TYPE and profile is not None:
            accepted = {t.code.value for t in profile.report_types}
            return tuple(c for c in self.choices if c in accepted)
        return self.choices

    def choice_label(self, choice: str) -> str:
        """Return the label key of a fixed choice."""
        return self.label.format(choice=choice)


@dataclass(frozen=True, slots=True)
class Reply:
    """A text the presser types in reply to the bot's prompt (ForceReply)."""

    # The label key of what the prompt asks for; "{choice}" is replaced, the label may use it.
    prompt: str
    # Only after these choices (None: always).
    when: frozenset[str] | None = None
    # Photos and documents sent first in reply to the prompt go out with the text.
    files: bool = False

    def needed(self, choice: str | None) -> bool:
        """Tell whether this choice (or none) still needs the text."""
        return self.when is None or choice in self.when

    def prompt_key(self, choice: str | None) -> str:
        """Return the label key of the prompt's request for this choice."""
        return self.prompt.format(choice=choice)


@dataclass(frozen=True, slots=True)
class Notices:
    """Who hears of the action besides the card (always redrawn), and with which template.

    An answer that reaches ANSWERED goes out as the answer itself, and nothing goes out while
    an answer waits for approval: that is the stage's rule (bot/services/notify.py), not the
    action's.
    """

    reporter: str | None = None  # the reporter's template; None: not told, not in their history
    followers: str | None = None  # supporters' template ("saya juga mengalami ini")
    unit: str | None = None  # the private template for the liaisons of the unit now holding it
    names_unit: bool = False  # the reporter's and followers' news names that unit
    note_for_reporter: bool = False  # what the staff member wrote is the reporter's to read


@dataclass(frozen=True, slots=True)
class Request:
    """What the staff member picked and typed, with the report as they saw it."""

    report: Report
    member: StaffMember
    choice: str | None
    text: str | None
    now: datetime


@dataclass(frozen=True, slots=True)
class Arguments:
    """What `perform` receives: the columns the action sets, the audit note and data."""

    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    data: dict[str, Any] | None = None


Builder = Callable[[Request], Arguments]


class Lookup(StrEnum):
    """Arguments that need the repository, renderer or calendar (the service resolves them)."""

    UNIT = "unit"  # the picked unit: active, and not the one holding the report
    HOLDER = "holder"  # the picked unit, or the picked liaison of the holding unit
    REASON = "reason"  # the picked reason in the reporter's language, with what was typed
    EXTENSION = "extension"  # both due dates moved by the picked working days
    ORIGINAL = "original"  # the report whose tracking number was typed


def _note(request: Request) -> Arguments:
    """Keep what was typed as the audit note (a question, a reason, a correction)."""
    return Arguments(note=request.text)


def _reclassify(request: Request) -> Arguments:
    """Set the picked type."""
    data = {"from": request.report.type, "to": request.choice}
    return Arguments({"type": request.choice}, data=data)


def _accept(request: Request) -> Arguments:
    """Let the unit's liaison who accepts hold the report (a supervisor leaves it to the unit)."""
    if request.report.assignee_id is None and request.member.role == Role.LIAISON:
        return Arguments({"assignee_id": request.member.id})
    return Arguments()


def _return(request: Request) -> Arguments:
    """Give the report back to triage, remembering the unit it came from."""
    values = {"unit_id": None, "assignee_id": None}
    return Arguments(values, request.text, {"unit_id": request.report.unit_id})


def _answer(request: Request) -> Arguments:
    """Keep the answer's text (its files travel with the audit row)."""
    return Arguments({"answer": request.text, "answered_at": request.now}, request.text)


def _approve(request: Request) -> Arguments:
    """Date the answer when it is approved (the last level sends it)."""
    return Arguments({"answered_at": request.now})


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """Everything one staff action does on the card, in the handlers and in the notices."""

    action: Action
    arguments: Builder | Lookup = _note
    picker: Picker | None = None
    reply: Reply | None = None
    notices: Notices = Notices()
    # False: no card button (a note is a reply to the card).
    button: bool = True
    # A text the office's SOP asks for where `reply` asks none: (the [steps] flag, the reply).
    step_reply: tuple[str, Reply] | None = None
    # Staff who hear of the action privately, with what was typed (StaffAudience, template).
    staff_notice: tuple[StaffAudience, str] | None = None

    @property
    def label(self) -> str:
        """Return the label key of the card button."""
        return f"card_button.{self.action.value}"

    @property
    def starts_from(self) -> frozenset[Stage]:
        """Return the stages the action may start from (the workflow's)."""
        return SOURCES[self.action]

    @property
    def holder_only(self) -> bool:
        """Tell whether, once assigned to a person, only they (or a supervisor) may act."""
        return self.action in HOLDER_ACTIONS

    def roles(self, profile: Profile) -> tuple[Role, ...]:
        """Return the roles the office lets take this step (none when its step is off)."""
        return tuple(r for r in Role if profile.may(r, self.action))

    def needs_picker(self, choice: str | None) -> bool:
        """Tell whether a press must first show the picker."""
        return self.picker is not None and choice is None

    def valid_choice(self, choice: str, profile: Profile | None = None) -> bool:
        """Tell whether a picked value is one this action offers (in this office)."""
        return self.picker is not None and self.picker.valid(choice, profile)

    def reply_in(self, profile: Profile | None) -> Reply | None:
        """Return what the presser types in this office (the spec's, or the SOP step's)."""
        if self.reply is None and self.step_reply is not None and profile is not None:
            flag, reply = self.step_reply
            return reply if getattr(profile.steps, flag) else None
        return self.reply

    def needs_text(self, choice: str | None, profile: Profile | None = None) -> bool:
        """Tell whether the presser still has to type something."""
        reply = self.reply_in(profile)
        return reply is not None and reply.needed(choice)

    @property
    def takes_files(self) -> bool:
        """Tell whether files sent in reply to the prompt go with the action (an answer)."""
        return self.reply is not None and self.reply.files


def _told(
    *, followers: bool = True, unit: bool = False, names_unit: bool = False, note: bool = False
) -> Notices:
    """Return the notices of an action the reporter hears of (with its followers, usually)."""
    return Notices(
        reporter="status_update",
        followers="duplicates_follower_update" if followers else None,
        unit="staff_dm_disposed" if unit else None,
        names_unit=names_unit,
        note_for_reporter=note,
    )


_ANSWER = Reply("staff_prompt.answer", files=True)

A = Action
_SPECS = (
    # Seed 000, step 2: where the office says so, the one who hands it on writes what the
    # problem is; the next actor reads it on the card and in /lihat.
    ActionSpec(
        A.DISPOSE,
        Lookup.UNIT,
        picker=Picker(PickerKind.UNIT, current="unit_id"),
        notices=_told(unit=True, names_unit=True),
        step_reply=("identify_on_dispose", Reply("staff_prompt.identify")),
    ),
    ActionSpec(A.ANSWER_INFO, _answer, reply=_ANSWER, notices=_told(note=True)),
    ActionSpec(
        A.RECLASSIFY,
        _reclassify,
        picker=Picker(
            PickerKind.TYPE,
            tuple(t.value for t in ReportType),
            label="type.{choice}",
            current="type",
            per_row=2,
        ),
    ),
    ActionSpec(
        A.REJECT,
        Lookup.REASON,
        picker=Picker(PickerKind.REASON, REJECT_REASONS, label="reject_reason.{choice}"),
        # Outside our authority: where to go instead; another reason: the reason itself.
        reply=Reply("staff_prompt.reject.{choice}", when=frozenset({"outside", "other"})),
        notices=_told(note=True),
    ),
    ActionSpec(
        A.MARK_DUPLICATE,
        Lookup.ORIGINAL,
        reply=Reply("staff_prompt.mark_duplicate"),
        notices=_told(),
    ),
    # The question is for the reporter alone: followers hear nothing of it.
    ActionSpec(
        A.ASK_INFO,
        reply=Reply("staff_prompt.ask_info"),
        notices=_told(followers=False, note=True),
    ),
    ActionSpec(A.ACCEPT, _accept, notices=_told(names_unit=True)),
    # Not our authority [S001 L26]: the reason reaches triage directly.
    ActionSpec(
        A.RETURN_TO_TRIAGE,
        _return,
        reply=Reply("staff_prompt.return_to_triage"),
        staff_notice=(StaffAudience.TRIAGE, "staff_handover"),
    ),
    ActionSpec(
        A.REASSIGN,
        Lookup.HOLDER,
        picker=Picker(PickerKind.HOLDER, current="unit_id"),
        notices=Notices(unit="staff_dm_disposed"),
    ),
    ActionSpec(A.ANSWER, _answer, reply=_ANSWER, notices=_told()),
    ActionSpec(A.APPROVE, _approve, notices=_told()),
    # The correction reaches the one who drafted the answer directly [S002 L41].
    ActionSpec(
        A.SEND_BACK,
        reply=Reply("staff_prompt.send_back"),
        staff_notice=(StaffAudience.DRAFTER, "staff_handover"),
    ),
    ActionSpec(A.CLOSE, notices=_told(note=True)),
    ActionSpec(
        A.EXTEND,
        Lookup.EXTENSION,
        picker=Picker(PickerKind.DAYS, EXTEND_DAYS, label="staff.extend_days", per_row=2),
        reply=Reply("staff_prompt.extend"),
        notices=_told(note=True),
    ),
    # A reporter without Telegram (recorded with /catat) answers by phone, letter or in person:
    # staff type what they said, and the report resumes; or record that they tried to reach
    # them, and from then their silence closes it (bot/domain/deadlines.py). Only staff hear.
    ActionSpec(A.RECORD_INFO, reply=Reply("staff_prompt.record_info")),
    ActionSpec(A.RECORD_CONTACT, reply=Reply("staff_prompt.record_contact")),
    ActionSpec(A.NOTE, button=False),
)
SPECS: Mapping[Action, ActionSpec] = MappingProxyType({s.action: s for s in _SPECS})


def spec_of(action: Action) -> ActionSpec | None:
    """Return a staff action's spec (None for the reporter's own actions)."""
    return SPECS.get(action)
