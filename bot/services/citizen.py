"""A citizen's actions on a report they filed: add information, withdraw, dispute, rate, comment.

Each is one unit of work: the report is read, the staff's notice rendered, and the change with
its messages written in one transaction (DESIGN.md section 3). Handlers parse the update, call
one of these, and reply with what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain.vocabulary import OPEN_STAGES, Action
from bot.domain.workflow import REPORTER
from bot.services import notify
from bot.services.container import Services
from bot.services.transition import Done, Outcome, perform
from storage.models import Attachment, NewAttachment, OutboxMessage, Report

# How often an addition is tried again when the report changed stage between read and write.
ATTEMPTS = 3

Notice = Callable[[Report], list[OutboxMessage]]


def staff_messages(
    svc: Services,
    report: Report,
    what: str,
    text: str | None,
    files: Sequence[Attachment | NewAttachment],
) -> list[OutboxMessage]:
    """Return what staff receive: a notice in the card's thread, then copies of the files.

    A confidential report's content stays out of the group: the notice only says that
    something was added. Files are copied (copyMessage), never forwarded, so no sender shows.
    """
    messages = notify.staff_notice(
        svc,
        report,
        "citizen_staff",
        what=what,
        text=text,
        files=len(files),
        confidential=report.confidential,
    )
    if not report.confidential:
        messages += [m for a in files if (m := notify.thread_copy(svc, report, a)) is not None]
    return messages


async def add_information(
    svc: Services, report_id: int, text: str | None, files: Sequence[NewAttachment]
) -> Report | None:
    """Attach text and files to an open report and tell staff; None when it is not open."""
    return await _add(
        svc, report_id, text, files, lambda r: staff_messages(svc, r, "info", text, files)
    )


async def add_from_draft(
    svc: Services, report_id: int, text: str, files: Sequence[NewAttachment]
) -> Report | None:
    """Attach what the citizen was writing as a new report to their similar open one instead."""
    return await _add(
        svc,
        report_id,
        text,
        files,
        lambda r: notify.staff_notice(
            svc, r, "staff_info_added", text=None if r.confidential else text
        ),
    )


async def _add(
    svc: Services,
    report_id: int,
    text: str | None,
    files: Sequence[NewAttachment],
    notice: Notice,
) -> Report | None:
    for _attempt in range(ATTEMPTS):
        report = await svc.repo.report(report_id)
        if report is None or report.stage not in OPEN_STAGES:
            return None
        added = await svc.repo.add_information(
            report.id, stage=report.stage, note=text, files=files, messages=notice(report)
        )
        if added is not None:
            return added
    return None


async def answer_request(
    svc: Services, report_id: int, text: str | None, files: Sequence[NewAttachment]
) -> tuple[Report, bool] | None:
    """Answer the staff's request for information; True when it answered the request.

    One transaction: the transition back to the stage the report left, the files on its audit
    row, and what staff receive. A request answered meanwhile (a double delivery, a second
    message) makes this more information (False); None when the report is no longer open.
    """
    outcome = await perform(
        svc,
        report_id,
        Action.PROVIDE_INFO,
        REPORTER,
        note=text,
        attachments=files,
        extra=lambda r, _event: staff_messages(svc, r, "answered", text, files),
    )
    if isinstance(outcome, Done):
        return outcome.report, True
    added = await add_information(svc, report_id, text, files)
    return None if added is None else (added, False)


async def withdraw(svc: Services, report_id: int, reason: str | None) -> Outcome:
    """Withdraw the report (closed, withdrawn) and tell staff why, in one transaction."""
    return await perform(
        svc,
        report_id,
        Action.WITHDRAW,
        REPORTER,
        note=reason,
        extra=lambda r, _event: _told(svc, r, "withdrawn", reason),
    )


async def dispute(svc: Services, report: Report, reason: str) -> Outcome:
    """Reopen the answered report ("belum puas") with the reason, and tell staff, at once."""
    return await perform(
        svc,
        report.id,
        Action.DISPUTE,
        REPORTER,
        note=reason,
        expected_version=report.version,
        extra=lambda r, _event: _told(svc, r, "disputed", reason),
    )


async def rate(svc: Services, report_id: int, rating: int) -> Outcome:
    """Rate the answer from 1 to 5, which closes the report."""
    return await perform(
        svc,
        report_id,
        Action.RATE,
        REPORTER,
        data={"rating": rating},
        values={"rating": rating, "rating_comment": None},
    )


async def comment(svc: Services, report_id: int, text: str) -> bool:
    """Keep the comment the reporter gave after rating; False when there is no fresh rating."""
    return await svc.repo.set_rating_comment(report_id, text)


def _told(svc: Services, report: Report, what: str, text: str | None) -> list[OutboxMessage]:
    return notify.staff_notice(
        svc,
        report,
        "citizen_staff",
        what=what,
        text=text,
        files=0,
        confidential=report.confidential,
    )
