"""The report card in the staff group: rendered when it is sent, from the report as it is then."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain import access
from bot.domain.actions import (
    PERSON,
    REGISTRY_PICKERS,
    SPECS,
    ActionSpec,
    Picker,
    PickerKind,
    Reply,
)
from bot.domain.clock import describe_amount
from bot.domain.deadlines import sop_words
from bot.domain.profile import Profile
from bot.domain.screening import mask, screen
from bot.domain.vocabulary import Action, Channel, ReportType, Role
from bot.domain.workflow import (
    Actor,
    ActorKind,
    approver_role,
    available_actions,
    handover_of,
    state_of,
)
from bot.render import Renderer
from bot.services.container import Services
from bot.services.staff_actions import open_for_staff
from bot.telegram import callbacks
from storage.models import Report, Reporter, ReportEvent

FEATURE = "rpt"
DESCRIPTION_PREVIEW = 300
DETAIL_LIMIT = 3500
LAST_ACTIONS = 3
UNIT_NAME_MAX = 60
PERSON_NAME_MAX = 50
# Card-only buttons that are not workflow actions.
VIEW = "view"
BACK = "back"
# A picker's choice: the value the button carries, and its text.
Option = tuple[str, str]


def card_actions(svc: Services, report: Report) -> list[Action]:
    """Return the actions some staff role could take now, in SOP order (those with a button)."""
    state = state_of(report)
    offered: set[Action] = set()
    for role in Role:
        offered.update(available_actions(svc.profile, state, Actor(ActorKind.STAFF, role=role)))
    return [a for a in Action if a in offered and a in SPECS and SPECS[a].button]


def _button(text: str, report: Report, action: str, *extra: object) -> dict[str, str]:
    data = callbacks.build(FEATURE, action, report.id, report.version, *extra)
    return {"text": text, "callback_data": data}


def _rows(buttons: list[dict[str, str]], per_row: int = 2) -> list[list[dict[str, str]]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def action_button(
    renderer: Renderer, report: Report, spec: ActionSpec, lang: str
) -> dict[str, str]:
    """Return an action's card button, naming the report's version."""
    return _button(renderer.label(lang, spec.label), report, spec.action.value)


def card_keyboard(svc: Services, report: Report, lang: str) -> dict[str, Any]:
    """Return the card's buttons, two per row, each naming the report's version."""
    buttons = [
        action_button(svc.renderer, report, SPECS[action], lang)
        for action in card_actions(svc, report)
    ]
    rows = _rows(buttons)
    rows.append([_button(svc.renderer.label(lang, "card_button.view"), report, VIEW)])
    return {"inline_keyboard": rows}


async def picker_keyboard(
    svc: Services, report: Report, action: Action, lang: str = "id"
) -> dict[str, Any]:
    """Return the choices an action offers before it happens (units, types, reasons, days)."""
    spec = SPECS[action]
    assert spec.picker is not None, f"{action} has no picker"
    registry: list[Option] = []
    if spec.picker.kind in REGISTRY_PICKERS:
        registry = await registry_options(svc, report, spec.picker.kind, lang)
    return picker_markup(svc.renderer, report, spec, lang, registry, svc.profile)


async def registry_options(
    svc: Services, report: Report, kind: PickerKind, lang: str
) -> list[Option]:
    """Return a registry picker's choices: active units, and for a holder the unit's liaisons."""
    options = [(str(u.id), u.name[:UNIT_NAME_MAX]) for u in await svc.repo.list_units()]
    if kind is PickerKind.HOLDER:  # or one person of the unit that holds it
        people = access.assignable(await svc.repo.list_staff(), report)
        options += [
            (
                f"{PERSON}{m.id}",
                svc.renderer.label(lang, "staff.person", name=m.display_name[:PERSON_NAME_MAX]),
            )
            for m in people
        ]
    return options


def picker_markup(
    renderer: Renderer,
    report: Report,
    spec: ActionSpec,
    lang: str,
    registry: Sequence[Option] = (),
    profile: Profile | None = None,
) -> dict[str, Any]:
    """Return a picker's keyboard: its choices (fixed, or `registry`'s), then back to the card.

    With `profile`, fixed choices are the office's own (a type picker offers its types only).
    """
    picker = spec.picker
    assert picker is not None, f"{spec.action} has no picker"
    options = (
        list(registry)
        if picker.kind in REGISTRY_PICKERS
        else [
            (c, _choice_text(renderer, picker, c, lang, profile)) for c in picker.offered(profile)
        ]
    )
    current = getattr(report, picker.current) if picker.current else None
    buttons = [
        _button(text, report, spec.action.value, value)
        for value, text in options
        if current is None or value != str(current)
    ]
    rows = _rows(buttons, picker.per_row)
    rows.append([_button(renderer.label(lang, "card_button.back"), report, BACK)])
    return {"inline_keyboard": rows}


def _choice_text(
    renderer: Renderer, picker: Picker, choice: str, lang: str, profile: Profile | None
) -> str:
    """Return a fixed choice's text: a report type as the office names it ("Informasi")."""
    if picker.kind is PickerKind.TYPE and profile is not None:
        option = profile.report_type(ReportType(choice))
        if option is not None:
            return option.name.get(lang)
    return renderer.label(lang, picker.choice_label(choice), choice=choice)


def prompt_text(
    renderer: Renderer,
    spec: ActionSpec,
    choice: str | None,
    lang: str,
    *,
    number: str,
    staff_name: str,
    username: str | None = None,
    reply: Reply | None = None,
) -> str:
    """Return the ForceReply prompt asking the presser for the action's text.

    `reply` is what the office's SOP asks where the spec asks nothing (`spec.reply_in`).
    """
    reply = reply or spec.reply
    assert reply is not None, f"{spec.action} asks for no text"
    return renderer.render(
        lang,
        "staff_prompt",
        username=username,
        staff_name=staff_name,
        ask=renderer.label(lang, reply.prompt_key(choice), choice=choice),
        files=reply.files,
        number=number,
    )


def type_name(svc: Services, report: Report, lang: str) -> str:
    """Return the report's type as the office names it ("Saran", "Informasi")."""
    option = svc.profile.report_type(report.type)
    return option.name.get(lang) if option else svc.renderer.label(lang, f"type.{report.type}")


def reporter_label(report: Report, reporter: Reporter) -> str | None:
    """Return what staff may see of the reporter: nothing at all for an anonymous report."""
    if report.anonymous:
        return None
    return reporter.name


async def history_lines(
    svc: Services, events: list[ReportEvent], lang: str = "id"
) -> list[dict[str, Any]]:
    """Return audit rows as staff read them: when, what and who (never an anonymous reporter)."""
    names = {m.id: m.display_name for m in await svc.repo.list_staff(active_only=False)}
    lines = []
    for event in events:
        if event.actor_kind is ActorKind.STAFF and event.actor_staff_id is not None:
            who = names.get(event.actor_staff_id, "?")
        else:
            who = svc.renderer.label(lang, f"actor.{event.actor_kind}")
        lines.append(
            {
                "at": event.at,
                "what": svc.renderer.label(lang, f"action.{event.action}"),
                "who": who,
                "note": event.note,
                "to_stage": event.to_stage,
            }
        )
    return lines


async def _context(svc: Services, report: Report, lang: str) -> dict[str, Any]:
    reporter = await svc.repo.reporter_of_report(report.id)
    unit = await svc.repo.unit(report.unit_id) if report.unit_id else None
    holder = await svc.repo.staff_by_id(report.assignee_id) if report.assignee_id else None
    category = svc.profile.category(report.category) if report.category else None
    levels = len(svc.profile.steps.approval_levels)
    sub = category.subcategory(report.subcategory or "") if category else None
    level = svc.profile.service_level(report.stage)
    events = await svc.repo.events(report.id)
    handover = handover_of(events)
    return {
        "subcategory_name": sub.name.get(lang) if sub else None,
        # The seed's own words for the stage's time ("1-3 hari", "Tentatif") [S000 L48, S001 L24].
        "stage_sop": sop_words(level, lang) if level else None,
        "stage_tentative": bool(level and level.tentative),
        # The note that handed the report on: identification, return reason, correction.
        "handover_label": (
            svc.renderer.label(lang, f"handover.{handover.action.value}") if handover else None
        ),
        "handover_note": handover.note if handover else None,
        "type_changed": await _type_changed(svc, events, lang),
        "report": report,
        "type_name": type_name(svc, report, lang),
        "category_name": category.name.get(lang) if category else None,
        "stage_name": svc.renderer.label(lang, f"staff_stage.{report.stage}"),
        "attachments": await svc.repo.attachment_count(report.id),
        "reporter_name": reporter_label(report, reporter),
        "reporter_phone": None if report.anonymous else reporter.phone,
        "reporter_address": None if report.anonymous else reporter.address,
        "reporter_email": None if report.anonymous else reporter.email,
        "reporter_blocked": reporter.blocked_at is not None,
        "reporter_offline": reporter.telegram_user_id is None,
        "channel_name": _channel_name(svc, report.channel, lang),
        # The channel's own end-to-end target (seed 002: 15 minutes face to face) [S002 L57-62].
        "channel_target": _channel_target(svc, report.channel, lang),
        "unit_name": unit.name if unit else None,
        "holder_name": holder.display_name if holder else None,
        "approval": f"{report.approval_level}/{levels}" if levels else None,
        "approval_name": approval_name(svc.profile, report.approval_level, lang),
        "answer_files": len(await svc.repo.answer_attachments(report.id)) if report.answer else 0,
        "is_open": open_for_staff(report),
        "title": screened_for_staff(report, report.title, "screen_title"),
        "screening_categories": flagged_categories(report),
    }


def _sent_for_review(report: Report, key: str) -> bool:
    mark = (report.screening or {}).get(key)
    return isinstance(mark, dict) and mark.get("outcome") == "block"


def screened_for_staff(report: Report, text: str, key: str) -> str:
    """Return a text with the words screening blocked masked, when the citizen sent it as is."""
    if not _sent_for_review(report, key):
        return text
    return mask(text, screen(text))


def flagged_categories(report: Report) -> list[str]:
    """Return the screening categories found in the report's texts (flagged or sent as is)."""
    found: set[str] = set()
    for key, mark in (report.screening or {}).items():
        if key.startswith("screen_") and isinstance(mark, dict):
            found.update(str(c) for c in mark.get("categories", []))
    return sorted(found)


async def render_card(svc: Services, report_id: int) -> dict[str, Any]:
    """Return the card's text and buttons for the staff group (id language)."""
    # Every read of the card (report, reporter, events, staff...) in one read transaction.
    async with svc.repo.reading():
        return await _render_card(svc, report_id)


async def _render_card(svc: Services, report_id: int) -> dict[str, Any]:
    lang = "id"
    report = await svc.repo.report(report_id)
    assert report is not None
    context = await _context(svc, report, lang)
    events = await svc.repo.events(report_id)
    template = "card_restricted" if report.confidential else "card"
    text = svc.renderer.render(
        lang,
        template,
        **context,
        description=_preview(
            screened_for_staff(report, report.description, "screen_description"),
            DESCRIPTION_PREVIEW,
        ),
        answer_preview=_preview(report.answer or "", DESCRIPTION_PREVIEW),
        last_actions=await history_lines(svc, events[-LAST_ACTIONS:], lang),
    )
    return {"text": text, "reply_markup": card_keyboard(svc, report, lang)}


async def render_detail(svc: Services, report_id: int, *, send: bool = False) -> dict[str, Any]:
    """Return the whole report for one staff member's private chat (id language).

    With `send`, the payload asks the outbox for a new message (it is rendered when sent).
    """
    lang = "id"
    async with svc.repo.reading():  # the report's reads in one read transaction
        report = await svc.repo.report(report_id)
        assert report is not None
        context = await _context(svc, report, lang)
    text = svc.renderer.render(
        lang,
        "staff_detail",
        **context,
        description=_preview(
            screened_for_staff(report, report.description, "screen_description"), DETAIL_LIMIT
        ),
        answer_preview=_preview(report.answer or "", 400),
    )
    return {"text": text, "_send_as": "send_message"} if send else {"text": text}


async def _type_changed(svc: Services, events: Sequence[ReportEvent], lang: str) -> str | None:
    """Return the last change of type, as the card says it: from, to and by whom."""
    change = next((e for e in reversed(events) if e.action == Action.RECLASSIFY), None)
    if change is None or not change.data:
        return None
    member = await svc.repo.staff_by_id(change.actor_staff_id) if change.actor_staff_id else None

    def name(code: object) -> str:
        option = svc.profile.report_type(ReportType(str(code)))
        return option.name.get(lang) if option else str(code)

    return svc.renderer.label(
        lang,
        "staff.type_changed",
        old=name(change.data.get("from")),
        new=name(change.data.get("to")),
        who=member.display_name if member else "?",
    )


def approval_name(profile: Profile, level: int, lang: str) -> str | None:
    """Return whose approval level this is, as the office names it (its order is the profile's)."""
    names = profile.steps.approval_names
    if 1 <= level <= len(names):
        return names[level - 1].get(lang)
    role = approver_role(profile, level)
    return profile.role_name(role, lang) if role else None


def _channel_name(svc: Services, code: str, lang: str) -> str:
    try:
        option = svc.profile.channel(Channel(code))
    except ValueError:
        option = None
    return option.name.get(lang) if option else code


def _channel_target(svc: Services, code: str, lang: str) -> str | None:
    """Return the channel's own end-to-end time in words, where the SOP gives the channel one."""
    try:
        level = svc.profile.end_to_end.channels.get(Channel(code))
    except ValueError:
        level = None
    return describe_amount(level.amount, level, lang) if level else None


def _preview(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
