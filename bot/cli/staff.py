"""`python -m bot staff add|list|remove` and `unit add|list`: the registry from the shell."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from bot.domain import access
from bot.domain.profile import Profile, load_profile
from bot.domain.vocabulary import Role
from bot.settings import Settings
from storage.database import Database
from storage.repository import Repository

Job = Callable[[Repository], Awaitable[int]]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `staff` and `unit` subcommands."""
    staff = subparsers.add_parser("staff", help="staff registry: add, list, remove")
    sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a staff member (or change their role and units)")
    add.add_argument("telegram_user_id", type=int)
    add.add_argument("role", choices=[r.value for r in Role])
    add.add_argument("--name", help="display name (default: the id)")
    add.add_argument("--unit", action="append", default=[], help="unit code (liaisons; repeat)")
    add.add_argument(
        "--level",
        type=int,
        help="the approval level they hold (1-based, the profile's approval_levels order)",
    )
    add.set_defaults(func=cmd_staff_add)
    sub.add_parser("list", help="list active staff").set_defaults(func=cmd_staff_list)
    remove = sub.add_parser("remove", help="deactivate a staff member")
    remove.add_argument("telegram_user_id", type=int)
    remove.set_defaults(func=cmd_staff_remove)

    unit = subparsers.add_parser("unit", help="units reports are disposed to: add, list")
    usub = unit.add_subparsers(dest="unit_command", metavar="ACTION", required=True)
    uadd = usub.add_parser("add", help="add a unit (or rename and reactivate it)")
    uadd.add_argument("code")
    uadd.add_argument("name")
    uadd.add_argument("--kind", help="e.g. opd, rs, puskesmas, sekolah, kecamatan, desa")
    uadd.set_defaults(func=cmd_unit_add)
    usub.add_parser("list", help="list active units").set_defaults(func=cmd_unit_list)


def _run(settings: Settings, job: Job) -> int:
    async def main() -> int:
        db = Database(settings.database_url, settings.data_key_values)
        try:
            await db.upgrade()
            repo = Repository(db)
            # As at the bot's first start: the profile's units seed an empty registry.
            profile = load_profile(settings.aduan_profile)
            await repo.seed_units((u.code, u.name.get("id"), u.kind) for u in profile.units)
            return await job(repo)
        finally:
            await db.dispose()

    return asyncio.run(main())


def cmd_staff_add(settings: Settings, args: argparse.Namespace) -> int:
    """Add a staff member."""
    profile = load_profile(settings.aduan_profile)

    async def job(repo: Repository) -> int:
        units = {u.code: u.id for u in await repo.list_units()}
        unknown = [code for code in args.unit if code not in units]
        if unknown:
            print(f"error: unknown unit(s): {', '.join(unknown)} (see `unit list`)")
            return 1
        if args.role == Role.LIAISON and not args.unit:
            print("error: a liaison needs at least one --unit")
            return 1
        if args.level is not None and not access.level_fits(profile, Role(args.role), args.level):
            print(f"error: --level {args.level} does not fit: {_levels(profile)}")
            return 1
        name = args.name or str(args.telegram_user_id)
        member = await repo.add_staff(
            args.telegram_user_id,
            name,
            args.role,
            unit_ids=[units[c] for c in args.unit],
            approval_level=args.level,
        )
        row = [str(member.telegram_user_id), member.role, member.display_name]
        level = _level(profile, member.approval_level)
        print("\t".join([*row, level] if level else row))
        return 0

    return _run(settings, job)


def cmd_staff_list(settings: Settings, _args: argparse.Namespace) -> int:
    """List active staff: id, role, name, units, and the approval level each holds."""
    profile = load_profile(settings.aduan_profile)

    async def job(repo: Repository) -> int:
        codes = {u.id: u.code for u in await repo.list_units(active_only=False)}
        for m in await repo.list_staff():
            units = ",".join(sorted(codes[u] for u in m.unit_ids))
            row = [str(m.telegram_user_id), m.role, m.display_name, units]
            level = _level(profile, m.approval_level)
            print("\t".join([*row, level] if level else row))
        return 0

    return _run(settings, job)


def _level(profile: Profile, level: int | None) -> str:
    """Return a held approval level as `2:Kepala Biro`, or nothing."""
    if level is None or not 1 <= level <= len(profile.steps.approval_names):
        return ""
    return f"{level}:{profile.steps.approval_names[level - 1].get('id')}"


def _levels(profile: Profile) -> str:
    """Return the levels a person can hold in this office, for an error message."""
    if not profile.steps.approval_names:
        return "this profile names no approval levels (steps.approval_names)"
    return ", ".join(
        f"{n}={profile.steps.approval_names[n - 1].get('id')} ({role})"
        for n, role in enumerate(profile.steps.approval_levels, start=1)
    )


def cmd_staff_remove(settings: Settings, args: argparse.Namespace) -> int:
    """Deactivate a staff member."""

    async def job(repo: Repository) -> int:
        if await repo.remove_staff(args.telegram_user_id):
            print(f"removed {args.telegram_user_id}")
            return 0
        print(f"error: no active staff member {args.telegram_user_id}")
        return 1

    return _run(settings, job)


def cmd_unit_add(settings: Settings, args: argparse.Namespace) -> int:
    """Add a unit."""

    async def job(repo: Repository) -> int:
        unit = await repo.add_unit(args.code, args.name, args.kind)
        print(f"{unit.code}\t{unit.name}")
        return 0

    return _run(settings, job)


def cmd_unit_list(settings: Settings, _args: argparse.Namespace) -> int:
    """List active units."""

    async def job(repo: Repository) -> int:
        for unit in await repo.list_units():
            print(f"{unit.code}\t{unit.name}\t{unit.kind or ''}")
        return 0

    return _run(settings, job)
