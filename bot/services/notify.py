"""Who hears about a change, and what they read: messages written to the outbox with the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.actions import SPECS, Notices
from bot.domain.vocabulary import Action, ActorKind, Stage
from bot.services.container import Services
from bot.services.reports.letter import letter_message
from bot.telegram import callbacks
from storage.models import (
    Attachment,
    NewAttachment,
    NewEvent,
    OutboxMessage,
    Report,
    Reporter,
    ReportEvent,
)

CARD_SLOT = "card"
# Staff actions the reporter is told about (also what their history in /status shows): each
# action's spec says who hears of it (bot/domain/actions.py).
REPORTER_NEWS = frozenset(a for a, spec in SPECS.items() if spec.notices.reporter)
# Staff actions whose note is the reporter's to read (their history shows it).
NOTES_FOR_REPORTER = frozenset(a for a, spec in SPECS.items() if spec.notices.note_for_reporter)


def card_refresh(svc: Services, report_id: int) -> list[OutboxMessage]:
    """Return the outbox row that (re)draws a report's card in the staff group.

    The card is rendered when it is sent, from the report as it is then, so several changes
    in a row cost one edit.
    """
    if svc.staff_chat_id is None:
        return []
    return [
        OutboxMessage(
            chat_id=svc.staff_chat_id,
            kind="card",
            payload={},
            report_id=report_id,
            coalesce_key=f"card:{report_id}",
            link=CARD_SLOT,
        )
    ]


def to_reporter(
    svc: Services,
    reporter: Reporter,
    report: Report,
    template: str,
    *,
    reply_markup: dict[str, Any] | None = None,
    **values: Any,
) -> list[OutboxMessage]:
    """Return a message to the reporter in their language, if they can be reached on Telegram."""
    if reporter.telegram_user_id is None:
        return []
    # An anonymous reporter invited to send files is warned about documents' metadata.
    values.setdefault("anonymous", report.anonymous)
    text = svc.renderer.render(reporter.language, template, number=report.number, **values)
    payload: dict[str, Any] = {"text": text}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    return [
        OutboxMessage(
            chat_id=reporter.telegram_user_id,
            kind="send_message",
            payload=payload,
            report_id=report.id,
        )
    ]


def after_transition(
    svc: Services,
    reporter: Reporter,
    unit_names: dict[int, str],
    after: Report,
    event: NewEvent | ReportEvent,
    followers: Sequence[Reporter] = (),
    *,
    answer_files: Sequence[Attachment | NewAttachment] = (),
) -> list[OutboxMessage]:
    """Return the messages one transition causes: the card, the reporter's and followers' news.

    `answer_files` are the files of the answer this transition may deliver (the answer itself,
    or the last approval of it); the reporter receives them after the answer's text.
    """
    return _card_and_reporter(svc, reporter, unit_names, after, event, answer_files) + to_followers(
        svc, followers, unit_names, after, event
    )


def to_followers(
    svc: Services,
    followers: Sequence[Reporter],
    unit_names: dict[int, str],
    after: Report,
    event: NewEvent | ReportEvent,
) -> list[OutboxMessage]:
    """Return the status news for citizens who support the report ("saya juga mengalami ini").

    Of an ordinary report they hear what the reporter hears, except what is meant for the
    reporter alone: a question (ask_info), staff notes, the rating buttons; the answer is included
    once it is approved. Of a `rahasia` report they hear only that it moved on: its number and
    stage, never its title, unit or answer (docs/architecture.md section 3).
    """
    notices = _staff_notices(event)
    if notices is None or notices.followers is None or after.stage == Stage.AWAITING_APPROVAL:
        return []
    # Left out here, not only in the template: what a confidential report says never leaves.
    content = not after.confidential
    unit = content and after.unit_id is not None and notices.names_unit
    messages: list[OutboxMessage] = []
    for follower in followers:
        messages += to_reporter(
            svc,
            follower,
            after,
            notices.followers,
            confidential=after.confidential,
            title=after.title if content else None,
            stage_name=svc.renderer.label(follower.language, f"stage.{after.stage}"),
            unit_name=unit_names.get(after.unit_id or 0) if unit else None,
            answer=after.answer if content and after.stage == Stage.ANSWERED else None,
        )
    return messages


def _card_and_reporter(
    svc: Services,
    reporter: Reporter,
    unit_names: dict[int, str],
    after: Report,
    event: NewEvent | ReportEvent,
    answer_files: Sequence[Attachment | NewAttachment] = (),
) -> list[OutboxMessage]:
    messages = card_refresh(svc, after.id)
    notices = _staff_notices(event)
    if notices is None or notices.reporter is None:
        return messages
    if after.stage == Stage.AWAITING_APPROVAL:
        return messages  # the reporter hears when the answer is approved, not before
    lang = reporter.language
    if after.stage == Stage.ANSWERED:
        if reporter.telegram_user_id is None:
            # Recorded with /catat: staff carry the answer back by the report's own channel.
            # A letter or box channel answers by letter: the notice points to /surat.
            letter = after.channel in svc.profile.reports.letter.channels
            notice = staff_notice(svc, after, "staff_deliver_answer", letter=letter)
            return messages + notice + (letter_message(svc, after) if letter else [])
        return [
            *messages,
            *answer_message(svc, reporter, after),
            *answer_copies(reporter, after, answer_files),
        ]
    if after.stage == Stage.NEEDS_INFO and reporter.telegram_user_id is None:
        # Recorded with /catat: staff put the question by the report's own channel and record
        # the reporter's answer on the card.
        return messages + staff_notice(svc, after, "staff_deliver_question", text=event.note)
    unit = None
    if after.unit_id is not None and notices.names_unit:
        unit = unit_names.get(after.unit_id)
    messages += to_reporter(
        svc,
        reporter,
        after,
        notices.reporter,
        action=Action(event.action).value,
        stage_name=svc.renderer.label(lang, f"stage.{after.stage}"),
        unit_name=unit,
        note=event.note,
        due=after.stage_due_at if after.stage != Stage.NEEDS_INFO else None,
        close_at=after.stage_due_at if after.stage == Stage.NEEDS_INFO else None,
        other_number=(event.data or {}).get("duplicate_of_number"),
    )
    return messages


def _staff_notices(event: NewEvent | ReportEvent) -> Notices | None:
    """Return who hears of a staff (or system) action; None for the reporter's own steps."""
    if event.actor_kind is ActorKind.REPORTER:
        return None
    spec = SPECS.get(Action(event.action))
    return spec.notices if spec is not None else None


def answer_message(svc: Services, reporter: Reporter, report: Report) -> list[OutboxMessage]:
    """Return the answer with the rating buttons."""
    if reporter.telegram_user_id is None:
        return []
    lang = reporter.language
    rows: list[list[dict[str, Any]]] = [
        [
            {"text": str(n), "callback_data": callbacks.build("fb", "rate", report.id, n)}
            for n in range(1, 6)
        ],
        [
            {
                "text": svc.renderer.label(lang, "feedback.dispute"),
                "callback_data": callbacks.build("fb", "dispute", report.id),
            }
        ],
    ]
    dispute_until = svc.calendar.due_at(
        report.answered_at or svc.clock(), svc.profile.limits.dispute_within
    )
    return to_reporter(
        svc,
        reporter,
        report,
        "answer",
        reply_markup={"inline_keyboard": rows},
        answer=report.answer or "",
        dispute_until=dispute_until,
    )


def answer_copies(
    reporter: Reporter, report: Report, files: Sequence[Attachment | NewAttachment]
) -> list[OutboxMessage]:
    """Return the answer's files for the reporter, copied from where staff sent them, in order."""
    if reporter.telegram_user_id is None:
        return []
    return [
        OutboxMessage(
            chat_id=reporter.telegram_user_id,
            kind="copy_message",
            payload={"from_chat_id": f.source_chat_id, "message_id": f.source_message_id},
            report_id=report.id,
        )
        for f in files
        if f.source_chat_id is not None and f.source_message_id is not None
    ]


def thread_copy(
    svc: Services,
    report: Report,
    attachment: Attachment | NewAttachment,
    *,
    chat_id: int | None = None,
) -> OutboxMessage | None:
    """Return a copy of a reporter's file into the card's thread (copyMessage: no sender shown)."""
    if chat_id is None and report.confidential:
        return None  # a `rahasia` report's evidence never goes to the shared group
    target = chat_id if chat_id is not None else svc.staff_chat_id
    if target is None or attachment.source_chat_id is None:
        return None
    return OutboxMessage(
        chat_id=target,
        kind="copy_to_thread",
        payload={
            "from_chat_id": attachment.source_chat_id,
            "message_id": attachment.source_message_id,
        },
        report_id=report.id,
    )


def after_submission(
    svc: Services,
    reporter: Reporter,
    report: Report,
    attachments: Sequence[Attachment | NewAttachment],
) -> list[OutboxMessage]:
    """Return what staff receive when a report is filed: the card, then its evidence."""
    messages = card_refresh(svc, report.id)
    if report.confidential:
        return messages  # the content goes privately to the staff allowed to handle it
    messages += [m for a in attachments if (m := thread_copy(svc, report, a)) is not None]
    return messages


def staff_notice(
    svc: Services, report: Report, template: str, **values: Any
) -> list[OutboxMessage]:
    """Return a message to the card's thread in the staff group (rendered in Indonesian).

    For a `rahasia` report the reporter's words (`text`) stay out of the group: staff read them
    privately with the card's detail button.
    """
    if svc.staff_chat_id is None:
        return []
    if report.confidential and "text" in values:
        values["text"] = None
    text = svc.renderer.render("id", template, number=report.number, report=report, **values)
    return [
        OutboxMessage(
            chat_id=svc.staff_chat_id,
            kind="send_to_thread",
            payload={"text": text},
            report_id=report.id,
        )
    ]


def liaison_notice(
    svc: Services,
    report: Report,
    chat_id: int,
    unit_name: str,
    *,
    personal: bool = False,
    template: str = "staff_dm_disposed",
) -> list[OutboxMessage]:
    """Return a liaison's private note that a report reached their unit (or them in person)."""
    text = svc.renderer.render(
        "id",
        template,
        report=report,
        unit_name=unit_name,
        number=report.number,
        personal=personal,
    )
    return [
        OutboxMessage(
            chat_id=chat_id, kind="send_message", payload={"text": text}, report_id=report.id
        )
    ]
