"""/staf and /unit: supervisors keep the registry of staff and units, in the group or privately."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.domain import access
from bot.domain.vocabulary import Role
from bot.services.container import Services
from bot.telegram.cards import approval_name
from handlers.common import Context, message_of, services
from handlers.staff.common import STAFF_LANG, StaffChat, acting_member, alert_text
from storage.models import StaffMember

ADD, REMOVE = "tambah", "hapus"
LEVEL = "--tingkat"  # `/staf tambah <id> supervisor --tingkat 2`: the approval level they hold
ROLES = {r.value for r in Role}


async def _reply(update: Update, context: Context, template: str, **values: object) -> None:
    svc = services(context)
    # People read the office's own names for roles ("Tim NKK Pembantu"), not our codes.
    roles = {role.value: svc.profile.roles.get(role).get(STAFF_LANG) for role in Role}
    text = svc.renderer.render(STAFF_LANG, template, role_names=roles, **values)
    await message_of(update).reply_text(text)


async def _supervisor(update: Update, context: Context) -> StaffMember | None:
    """Return the supervisor giving the command, or tell the sender why not."""
    member = await acting_member(update, context)
    if isinstance(member, str) or member.role != Role.SUPERVISOR:
        key = member if isinstance(member, str) else "role"
        await message_of(update).reply_text(alert_text(services(context), key))
        return None
    return member


async def staff_command(update: Update, context: Context) -> None:
    """List, add or remove staff members."""
    admin = await _supervisor(update, context)
    if admin is None:
        return
    svc = services(context)
    args = list(context.args or [])
    if not args:
        codes = {u.id: u.code for u in await svc.repo.list_units(active_only=False)}
        rows = [
            {
                "member": m,
                "units": sorted(codes[u] for u in m.unit_ids),
                "level": _level_name(svc, m.approval_level),
            }
            for m in await svc.repo.list_staff()
        ]
        await _reply(update, context, "staff_registry", rows=rows)
        return
    verb = args.pop(0).lower()
    if verb == REMOVE and args and args[0].isdigit():
        removed = await svc.repo.remove_staff(int(args[0]))
        await _reply(update, context, "staff_changed", change="removed" if removed else "none")
        return
    if verb == ADD:
        await _add(update, context, admin, args)
        return
    await _reply(update, context, "staff_usage", command="staf")


def _level_name(svc: Services, level: int | None) -> str | None:
    return None if level is None else approval_name(svc.profile, level, STAFF_LANG)


def _level_of(args: list[str]) -> int | None:
    """Take `--tingkat <n>` out of the arguments: the level (0 if unreadable), None without it."""
    if LEVEL not in args:
        return None
    at = args.index(LEVEL)
    value = args[at + 1] if at + 1 < len(args) else ""
    del args[at : at + 2]
    return int(value) if value.isdigit() else 0


async def _add(update: Update, context: Context, admin: StaffMember, args: list[str]) -> None:
    """Add a staff member from `<id> <role> [units] [--tingkat n] [name]`, or a replied-to one."""
    svc = services(context)
    level = _level_of(args)
    replied = message_of(update).reply_to_message
    target = replied.from_user if replied is not None else None
    if target is not None and not target.is_bot:
        user_id, name = target.id, target.full_name
    elif args and args[0].lstrip("-").isdigit():
        user_id, name = int(args.pop(0)), ""
    else:
        await _reply(update, context, "staff_usage", command="staf")
        return
    if not args or args[0].lower() not in ROLES:
        await _reply(update, context, "staff_usage", command="staf")
        return
    role = args.pop(0).lower()
    if level is not None and not access.level_fits(svc.profile, Role(role), level):
        await _reply(update, context, "staff_changed", change="bad_level", levels=_levels(svc))
        return
    by_code = {u.code: u.id for u in await svc.repo.list_units()}
    codes = args.pop(0).split(",") if args and args[0].split(",")[0] in by_code else []
    if any(code not in by_code for code in codes) or (role == Role.LIAISON and not codes):
        await _reply(update, context, "staff_usage", command="staf")
        return
    name = " ".join(args) or name or str(user_id)
    member = await svc.repo.add_staff(
        user_id,
        name,
        role,
        unit_ids=[by_code[c] for c in codes],
        added_by=admin.telegram_user_id,
        approval_level=level,
    )
    await _reply(
        update,
        context,
        "staff_changed",
        change="added",
        member=member,
        units=codes,
        level=_level_name(svc, member.approval_level),
    )


def _levels(svc: Services) -> list[tuple[int, str, str]]:
    """Return the office's approval levels a person can hold: number, name, role code."""
    if not svc.profile.steps.approval_names:
        return []
    return [
        (n, approval_name(svc.profile, n, STAFF_LANG) or "", role.value)
        for n, role in enumerate(svc.profile.steps.approval_levels, start=1)
    ]


async def unit_command(update: Update, context: Context) -> None:
    """List or add units."""
    admin = await _supervisor(update, context)
    if admin is None:
        return
    svc = services(context)
    args = list(context.args or [])
    if not args:
        await _reply(update, context, "staff_units", units=await svc.repo.list_units())
        return
    if args[0].lower() == ADD and len(args) >= 3:
        unit = await svc.repo.add_unit(args[1].lower(), " ".join(args[2:]))
        await _reply(update, context, "staff_changed", change="unit", unit=unit)
        return
    await _reply(update, context, "staff_usage", command="unit")


def handlers(svc: Services) -> list[BaseHandler[Update, Context, None]]:
    """Return the handlers of this feature (in the staff group or a private chat)."""
    where = StaffChat(svc) | filters.ChatType.PRIVATE
    return [
        CommandHandler("staf", staff_command, filters=where),
        CommandHandler("unit", unit_command, filters=where),
    ]
