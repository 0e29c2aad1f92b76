"""The answer letter ("surat jawaban", seed 002) as DOCX and PDF, from the profile's letterhead.

The DOCX comes from `templates/letters/surat_jawaban.docx`, which the office edits in Word
(docxtpl fills its `{{ ... }}` fields; an office may put its own file at the same path). The PDF
is drawn with fpdf2 from the same values and the `[letter]` labels, in DejaVu Sans (bundled with
matplotlib) so that any character of an answer prints.

An anonymous reporter is never named: the letter says "Pelapor (identitas dirahasiakan)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.services.container import Services
from storage.models import OutboxMessage, Report

# The outbox row of an answer letter; bot/telegram/letters.py builds the file when it is sent.
LETTER_KIND = "answer_letter"

TEMPLATE = Path(__file__).resolve().parents[3] / "templates" / "letters" / "surat_jawaban.docx"


@dataclass(frozen=True)
class LetterFields:
    """What a letter says, in the office's language."""

    letterhead: str
    address: str
    letter_number: str
    place_date: str
    recipient: str
    report_number: str
    submitted: str
    subject: str
    answer: str
    signatory_title: str
    signatory_name: str
    signatory_nip: str


def letter_number(svc: Services, report: Report, at: datetime) -> str:
    """Return the letter's number from the profile's format."""
    seq = report.number.rsplit("-", 1)[-1]
    return svc.profile.reports.letter.number_format.format(
        seq=seq,
        number=report.number,
        year=at.astimezone(svc.profile.zone).year,
        prefix=svc.profile.prefix,
    )


async def letter_fields(svc: Services, report: Report, lang: str = "id") -> LetterFields:
    """Gather the letter's values; the reporter is read only when not anonymous."""
    profile, renderer = svc.profile, svc.renderer
    letter = profile.reports.letter
    at = report.answered_at or svc.clock()
    recipient = renderer.label(lang, "letter.anonymous")
    if not report.anonymous:
        reporter = await svc.repo.reporter_of_report(report.id)
        recipient = reporter.name or renderer.label(lang, "letter.reporter")
    nip = renderer.label(lang, "letter.nip")
    return LetterFields(
        letterhead=(
            letter.letterhead.get(lang) if letter.letterhead else profile.office_name(lang)
        ),
        address=letter.address.get(lang) if letter.address else "",
        letter_number=letter_number(svc, report, at),
        place_date=renderer.format_date(at.astimezone(profile.zone).date(), lang),
        recipient=recipient,
        report_number=report.number,
        submitted=renderer.format_date(report.submitted_at.astimezone(profile.zone).date(), lang),
        subject=report.title,
        answer=report.answer or renderer.label(lang, "letter.no_answer"),
        signatory_title=letter.signatory_title.get(lang),
        signatory_name=letter.signatory_name or "",
        signatory_nip=f"{nip}. {letter.signatory_nip}" if letter.signatory_nip else "",
    )


def write_docx(fields: LetterFields, out: Path, template: Path = TEMPLATE) -> Path:
    """Fill the Word template with the letter's values."""
    from docxtpl import DocxTemplate, Listing  # lazy: the bot's start-up does not load it

    document = DocxTemplate(str(template))
    values = {name: getattr(fields, name) for name in LetterFields.__dataclass_fields__}
    # Line breaks of the letterhead and the answer stay line breaks in Word.
    values["letterhead"] = Listing(fields.letterhead)
    values["answer"] = Listing(fields.answer)
    document.render(values, autoescape=True)
    document.save(str(out))
    return out


def write_pdf(svc: Services, fields: LetterFields, out: Path, lang: str = "id") -> Path:
    """Draw the letter as an A4 PDF."""
    import matplotlib  # lazy; only for the path of its bundled DejaVu fonts
    from fpdf import FPDF

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    label = lambda key: svc.renderer.label(lang, f"letter.{key}")  # noqa: E731
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(25, 20, 20)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(width, 7, fields.letterhead, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    if fields.address:
        pdf.multi_cell(width, 5, fields.address, align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 2
    pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(width, 7, label("title"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(
        width,
        6,
        f"{label('number')}: {fields.letter_number}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.cell(width, 6, fields.place_date, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 6, f"{label('to')}\n{fields.recipient}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for key, value in (
        ("report", fields.report_number),
        ("submitted", fields.submitted),
        ("regarding", fields.subject),
    ):
        pdf.multi_cell(width, 6, f"{label(key)}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(width, 6, label("opening"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.multi_cell(width, 6, fields.answer, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(width, 6, label("closing"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.multi_cell(width, 6, fields.signatory_title, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(16)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 6, fields.signatory_name or " ", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    if fields.signatory_nip:
        pdf.cell(width, 6, fields.signatory_nip, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


def letter_message(svc: Services, report: Report) -> list[OutboxMessage]:
    """Return the outbox row that sends a report's answer letter to the card's thread.

    None for a `rahasia` report (the letter carries its content; staff ask /surat privately).
    """
    if svc.staff_chat_id is None or report.confidential:
        return []
    return [
        OutboxMessage(chat_id=svc.staff_chat_id, kind=LETTER_KIND, payload={}, report_id=report.id)
    ]
