"""The answer letter as an outbox message: rendered as DOCX when it is sent, from the report.

A report that came by letter or box is answered by letter (the profile's `[reports.letter]`
channels). Once its answer is final, the letter goes to the card's thread in the staff group,
ready to print, sign and post; the outbox carries only the report id (rows hold text, not
files), and the file is built at send time from the report as it then stands.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from telegram import InputFile, ReplyParameters

from bot.services.container import Services
from bot.services.reports import letter

KIND = letter.LETTER_KIND
LANG = "id"  # the staff group reads Indonesian


async def render_letter(svc: Services, report_id: int) -> dict[str, Any]:
    """Return the letter of one report as a document for the card's thread."""
    report = await svc.repo.report(report_id)
    assert report is not None, f"report {report_id} is gone"
    fields = await letter.letter_fields(svc, report, LANG)
    with tempfile.TemporaryDirectory(prefix="aduan-surat-") as folder:
        path = letter.write_docx(fields, Path(folder) / f"surat-{report.number}.docx")
        document = InputFile(path.read_bytes(), filename=path.name)
    payload: dict[str, Any] = {
        "_send_as": "send_document",
        "document": document,
        "caption": svc.renderer.label(LANG, "reports.letter", number=report.number),
    }
    assert svc.staff_chat_id is not None, "a letter row goes to the staff group"
    card = await svc.repo.linked_message(report_id, "card", svc.staff_chat_id)
    if card is not None:
        payload["reply_parameters"] = ReplyParameters(card, allow_sending_without_reply=True)
    return payload
