"""What the staff handlers share: who is acting, the alerts they get, refreshing a card."""

from __future__ import annotations

from telegram import CallbackQuery, Update
from telegram.ext import filters

from bot.domain import access
from bot.domain.vocabulary import Action
from bot.domain.workflow import Refusal
from bot.services import notify, staff_actions
from bot.services.container import Services
from bot.telegram import membership
from bot.telegram.cards import approval_name
from handlers.common import Context, kick_outbox, services
from storage.models import Report, StaffMember

STAFF_LANG = "id"  # the shared group reads Indonesian; private staff messages follow it


async def acting_member(update: Update, context: Context) -> StaffMember | str:
    """Return the staff member behind the update, or the alert key saying why not."""
    user = update.effective_user
    if user is None:
        return access.Denial.NOT_STAFF.value
    cache = membership.membership_cache(context.bot_data)
    found = await membership.staff_member(services(context), context.bot, cache, user.id)
    if isinstance(found, access.Denial):
        return found.value
    if found.display_name == str(user.id):
        # Supervisors from ADMIN_USER_IDS start with their id as a name; use their own once seen.
        await services(context).repo.name_bootstrapped_staff(user.id, user.full_name)
    return found


async def vet(
    update: Update, context: Context, report_id: int, action: Action, version: int | None
) -> tuple[StaffMember, Report] | str:
    """Check the person, the report's version and stage, role and unit; else an alert key."""
    member = await acting_member(update, context)
    if isinstance(member, str):
        return member
    svc = services(context)
    report = await svc.repo.report(report_id)
    if report is None:
        return "stale"
    if version is not None and report.version != version:
        return "stale"
    held = await staff_actions.held_levels(svc, action)
    why = access.refusal(svc.profile, member, report, action, held)
    if why == Refusal.LEVEL:  # the alert names whose level it is
        return f"{why}{LEVEL_OF}{report.approval_level}"
    return why if why is not None else (member, report)


# An approval level refused: "level:<n>", so that the alert can name it.
LEVEL_OF = ":"


def alert_text(svc: Services, key: str) -> str:
    """Return the short text of a staff alert ("level:<n>" names the office's level n)."""
    key, _, level = key.partition(LEVEL_OF)
    if key == Refusal.LEVEL:
        name = approval_name(svc.profile, int(level or 0), STAFF_LANG)
        return svc.renderer.label(STAFF_LANG, "staff_alert.level", name=name or "")
    return svc.renderer.label(STAFF_LANG, f"staff_alert.{key}")


async def alert(query: CallbackQuery, context: Context, key: str) -> None:
    """Answer a press with a short alert (a pop-up the presser must close)."""
    await query.answer(alert_text(services(context), key), show_alert=True)


async def refresh_card(context: Context, report_id: int) -> None:
    """Redraw a card through the outbox (coalesced with any pending redraw)."""
    svc = services(context)
    await svc.repo.enqueue(notify.card_refresh(svc, report_id))
    kick_outbox(context)


class StaffChat(filters.MessageFilter):
    """Match messages in the staff group (its id may change when the group migrates)."""

    def __init__(self, svc: Services) -> None:
        super().__init__(name="StaffChat")
        self.svc = svc

    def filter(self, message: object) -> bool:
        """Tell whether the message is in the staff group."""
        chat = getattr(message, "chat", None)
        return chat is not None and chat.id == self.svc.staff_chat_id
