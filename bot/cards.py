"""The report card in the staff group: rendered when it is sent, from the report as it is then."""

from __future__ import annotations

from typing import Any

from bot import callbacks
from bot.domain import Action, Role, Stage
from bot.services import Services
from bot.transitions import state_of
from bot.workflow import Actor, ActorKind, available_actions
from storage.models import Report, Reporter

FEATURE = "rpt"
DESCRIPTION_PREVIEW = 300
# Actions that never appear as card buttons: the reporter's, and those done by replying.
_NOT_BUTTONS = {Action.NOTE}


def card_actions(svc: Services, report: Report) -> list[Action]:
    """Return the actions some staff role could take now, in SOP order."""
    state = state_of(report)
    offered: set[Action] = set()
    for role in Role:
        offered.update(available_actions(svc.profile, state, Actor(ActorKind.STAFF, role=role)))
    return [a for a in Action if a in offered and a not in _NOT_BUTTONS]


def card_keyboard(svc: Services, report: Report, lang: str) -> dict[str, Any] | None:
    """Return the card's buttons, two per row, each naming the report's version."""
    buttons = [
        {
            "text": svc.renderer.label(lang, f"card_button.{action}"),
            "callback_data": callbacks.build(FEATURE, action.value, report.id, report.version),
        }
        for action in card_actions(svc, report)
    ]
    if not buttons:
        return None
    return {"inline_keyboard": [buttons[i : i + 2] for i in range(0, len(buttons), 2)]}


def reporter_label(report: Report, reporter: Reporter) -> str | None:
    """Return what staff may see of the reporter: nothing at all for an anonymous report."""
    if report.anonymous:
        return None
    return reporter.name


async def render_card(svc: Services, report_id: int) -> dict[str, Any]:
    """Return the card's text and buttons for the staff group (id language)."""
    lang = "id"
    report = await svc.repo.report(report_id)
    assert report is not None
    reporter = await svc.repo.reporter_of_report(report_id)
    unit = await svc.repo.unit(report.unit_id) if report.unit_id else None
    attachments = await svc.repo.attachment_count(report_id)
    category = svc.profile.category(report.category) if report.category else None
    template = "card_restricted" if report.confidential else "card"
    text = svc.renderer.render(
        lang,
        template,
        report=report,
        type_name=svc.renderer.label(lang, f"type.{report.type}"),
        category_name=category.name.get(lang) if category else None,
        stage_name=svc.renderer.label(lang, f"stage.{report.stage}"),
        description=_preview(report.description),
        attachments=attachments,
        reporter_name=reporter_label(report, reporter),
        reporter_phone=None if report.anonymous else reporter.phone,
        reporter_blocked=reporter.blocked_at is not None,
        unit_name=unit.name if unit else None,
        is_open=report.stage not in (Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE),
    )
    payload: dict[str, Any] = {"text": text}
    keyboard = card_keyboard(svc, report, lang)
    if keyboard is not None:
        payload["reply_markup"] = keyboard
    return payload


def _preview(text: str) -> str:
    if len(text) <= DESCRIPTION_PREVIEW:
        return text
    return text[:DESCRIPTION_PREVIEW].rsplit(" ", 1)[0] + " …"
