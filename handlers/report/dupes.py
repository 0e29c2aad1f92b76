"""Other reporters' open reports that look like the one being written (issue 6).

The description step calls `offer_duplicates` after the citizen's own similar reports were
checked; while `draft.flags["duplicates"]` is set, the step's answers go to `resolve_duplicates`.

```mermaid
stateDiagram-v2
    DESCRIPTION --> OFFER: similar open reports of others (bot.domain.screening.duplicates)
    LOCATION --> OFFER: a shared pin finds one nearby that the text alone did not
    DESCRIPTION --> EVENT_DATE: none
    OFFER --> [*]: "saya juga mengalami ini" (follow that report; the draft is dropped)
    OFFER --> EVENT_DATE: "tetap kirim" (the numbers go to the card as possible duplicates)
    OFFER --> DESCRIPTION: a new text instead of a button
```
"""

from __future__ import annotations

from typing import Any

from telegram import ReplyKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.domain.intake import CONVERSATION, ReportDraft, Step
from bot.services.duplicates import find_duplicates
from handlers.common import (
    Context,
    language,
    message_of,
    remember_draft,
    remember_reporter,
    reply,
    reporter_of,
    services,
)
from handlers.report.prompt import Option, advance, match_option
from handlers.start import main_menu

OFFERED = "duplicates"  # the reports on offer, while the citizen decides
DECLINED = "dup_candidates"  # offered and filed anyway: copied to the card by bot.services.submit
FILE_ANYWAY = "file"


async def offer_duplicates(
    update: Update, context: Context, draft: ReportDraft, step: Step = Step.DESCRIPTION
) -> Step | None:
    """Offer to support a similar open report; return the state to stay in, or None to go on.

    Asked at the description, and again at the location once a pin makes "nearby" possible;
    reports offered before and declined are not offered twice.
    """
    svc = services(context)
    user = update.effective_user
    assert user is not None
    reporter = await reporter_of(update, context)
    found = await find_duplicates(
        svc.repo,
        title=draft.title or "",
        description=draft.description or "",
        category=draft.category,
        latitude=draft.latitude,
        longitude=draft.longitude,
        exclude_reporter_id=reporter.id if reporter else None,
    )
    declined = {item["id"] for item in draft.flags.get(DECLINED, [])}
    fresh = [d for d in found if d.id not in declined]
    if not fresh:
        draft.flags.pop(OFFERED, None)
        return None
    draft.flags[OFFERED] = [{"id": d.id, "number": d.number, "score": d.score} for d in fresh]
    saved = await svc.repo.save_draft(user.id, CONVERSATION, step.name, draft.to_json())
    remember_draft(context, CONVERSATION, saved)
    lang = await language(update, context)
    label = svc.renderer.label
    items = [
        {
            "number": d.number,
            "title": d.title,
            "submitted_at": d.submitted_at.astimezone(svc.profile.zone).date(),
            "stage_name": label(lang, f"stage.{d.stage}"),
        }
        for d in fresh
    ]
    buttons = [[option.label] for option in _options(context, lang, draft)]
    buttons.append([label(lang, "intake.back"), label(lang, "intake.cancel")])
    markup = ReplyKeyboardMarkup(buttons, resize_keyboard=True, is_persistent=True)
    await reply(update, context, "duplicates_offer", items=items, reply_markup=markup)
    return step


def _options(context: Context, lang: str, draft: ReportDraft) -> list[Option]:
    label = services(context).renderer.label
    offered: list[dict[str, Any]] = draft.flags.get(OFFERED) or []
    options = [
        Option(f"report-{item['id']}", label(lang, "duplicates.support", number=item["number"]))
        for item in offered
    ]
    options.append(Option(FILE_ANYWAY, label(lang, "duplicates.file_anyway")))
    return options


async def resolve_duplicates(
    update: Update, context: Context, draft: ReportDraft, text: str
) -> Step | int | None:
    """Handle the citizen's answer to the offer; None when the text is not an answer to it."""
    lang = await language(update, context)
    picked = match_option(text, _options(context, lang, draft))
    if picked is None:
        return None
    offered: list[dict[str, Any]] = draft.flags.pop(OFFERED, None) or []
    if picked == FILE_ANYWAY:
        known = {item["id"] for item in draft.flags.get(DECLINED, [])}
        draft.flags[DECLINED] = draft.flags.get(DECLINED, []) + [
            {"id": item["id"], "number": item["number"]}
            for item in offered
            if item["id"] not in known
        ]
        return await advance(update, context, draft, Step.DESCRIPTION)
    chosen = next(item for item in offered if f"report-{item['id']}" == picked)
    return await _support(update, context, draft, chosen)


async def _support(
    update: Update, context: Context, draft: ReportDraft, chosen: dict[str, Any]
) -> Step | int:
    """Follow the chosen report and drop the draft; go on if the report closed meanwhile."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    lang = await language(update, context)
    reporter = await svc.repo.ensure_reporter(user.id, lang)
    remember_reporter(context, reporter)
    if not await svc.repo.follow_report(int(chosen["id"]), reporter.id):
        await message_of(update).reply_text(
            svc.renderer.render(lang, "duplicates_gone", number=chosen["number"]),
        )
        return await advance(update, context, draft, Step.DESCRIPTION)
    await svc.repo.drop_draft(user.id, CONVERSATION)
    remember_draft(context, CONVERSATION, None)
    await reply(
        update,
        context,
        "duplicates_supported",
        number=chosen["number"],
        reply_markup=main_menu(context, lang),
    )
    return ConversationHandler.END
