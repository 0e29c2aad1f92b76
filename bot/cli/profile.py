"""Command line for SOP profiles: `python -m bot profile list|check|show`.

`register(subparsers)` adds the `profile` command to the parser of `bot.__main__`; each action
sets `func(settings, args) -> int` like the other commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.domain.clock import WorkCalendar, describe_level, national_sources, zone_abbreviation
from bot.domain.profile import (
    DEFAULT_PROFILE,
    PROFILES_DIR,
    Profile,
    ProfileError,
    ServiceLevel,
    Text,
    list_profiles,
    load_profile,
    resolve_profile,
)
from bot.domain.vocabulary import STAFF_ACTIONS, Action, Role, Stage
from bot.settings import Settings

EXIT_INVALID = 1
WEEKDAYS = ("", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
# The stages a report can stay in, in the order of its life; those with a clock show its level.
STAGES = (
    Stage.SUBMITTED,
    Stage.DISPOSED,
    Stage.IN_PROGRESS,
    Stage.AWAITING_APPROVAL,
    Stage.NEEDS_INFO,
    Stage.ANSWERED,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `profile list|check|show` to the command line."""
    profile = subparsers.add_parser("profile", help="SOP profiles: list, check, show")
    sub = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list the bundled profiles")
    listing.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    listing.set_defaults(func=cmd_list)
    check = sub.add_parser("check", help="validate a profile (name or path to a .toml file)")
    check.add_argument("name", nargs="?", help="profile name or path (default: ADUAN_PROFILE)")
    check.set_defaults(func=cmd_check)
    show = sub.add_parser("show", help="print the resolved profile")
    show.add_argument("name", nargs="?", help="profile name or path (default: ADUAN_PROFILE)")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.set_defaults(func=cmd_show)


def _wanted(settings: Settings, args: argparse.Namespace) -> str:
    name: str | None = args.name
    return name or settings.aduan_profile or DEFAULT_PROFILE


def cmd_list(_settings: Settings, args: argparse.Namespace) -> int:
    """Print every bundled profile: name, prefix, timezone and office; broken ones are marked."""
    directory: Path = getattr(args, "dir", None) or PROFILES_DIR
    rows: list[tuple[str, str, str, str]] = []
    broken = 0
    for name, path in list_profiles(directory):
        try:
            profile = load_profile(str(path))
        except ProfileError as exc:
            broken += 1
            problems = len(exc.problems)
            rows.append((name, "-", "-", f"INVALID ({problems} problem(s); run: profile check)"))
            continue
        zone = f"{profile.timezone} ({zone_abbreviation(profile.timezone)})"
        rows.append((name, profile.prefix, zone, profile.name.id))
    if not rows:
        print(f"no profiles in {directory}", file=sys.stderr)
        return EXIT_INVALID
    header = ("NAME", "PREFIX", "TIMEZONE", "OFFICE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    return EXIT_INVALID if broken else 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Validate a profile: exit 0 with a one-line summary, or 1 with one line per problem."""
    wanted = _wanted(settings, args)
    try:
        path = resolve_profile(wanted)
        profile = load_profile(wanted)
    except ProfileError as exc:
        for line in str(exc).splitlines():
            print(line, file=sys.stderr)
        return EXIT_INVALID
    print(
        f"{path}: ok: {profile.name.id} (prefix {profile.prefix},"
        f" {profile.timezone} {zone_abbreviation(profile.timezone)})"
    )
    return 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    """Print the resolved profile as JSON (`--json`) or as text."""
    wanted = _wanted(settings, args)
    try:
        path = resolve_profile(wanted)
        profile = load_profile(wanted)
    except ProfileError as exc:
        for line in str(exc).splitlines():
            print(line, file=sys.stderr)
        return EXIT_INVALID
    data = resolved(profile, name=path.stem, file=str(path))
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render_text(data))
    return 0


# --- the resolved profile -------------------------------------------------------------------


def _text(text: Text | None) -> dict[str, str] | None:
    if text is None:
        return None
    return {"id": text.get("id"), "en": text.get("en")}


def _level(level: ServiceLevel | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {
        **level.model_dump(mode="json"),
        "counts": "calendar" if level.calendar else "working",
        "text": {"id": describe_level(level, "id"), "en": describe_level(level, "en")},
    }


def _stage_used(profile: Profile, stage: Stage) -> bool:
    """Return False for a stage this office's optional steps skip."""
    if stage is Stage.DISPOSED:
        return profile.steps.liaison_accept
    if stage is Stage.AWAITING_APPROVAL:
        return bool(profile.steps.approval_levels)
    return True


def _stage_limit(profile: Profile, stage: Stage) -> ServiceLevel | None:
    """Return the limit after which a report waiting on the reporter closes itself."""
    if stage is Stage.NEEDS_INFO:
        return profile.limits.needs_info_close_after
    if stage is Stage.ANSWERED:
        return profile.limits.answered_close_after
    return None


def resolved(profile: Profile, *, name: str, file: str) -> dict[str, Any]:
    """Return the profile with everything a reader has to work out spelled out (JSON-ready)."""
    calendar = WorkCalendar.from_profile(profile)
    used = [a for a in sorted(STAFF_ACTIONS, key=list(Action).index) if profile.steps.uses(a)]
    unused = [a for a in sorted(STAFF_ACTIONS, key=list(Action).index) if a not in used]
    channels = [c.code for c in profile.channels]
    return {
        "name": name,
        "file": file,
        "office": _text(profile.name),
        "short_name": _text(profile.short_name),
        "prefix": profile.prefix,
        "description": _text(profile.description),
        "source": profile.source,
        "timezone": profile.timezone,
        "timezone_abbreviation": zone_abbreviation(profile.timezone),
        "office_hours": {
            "start": f"{profile.office_hours.start:%H:%M}",
            "end": f"{profile.office_hours.end:%H:%M}",
        },
        "working_days": list(profile.working_days),
        "working_day_names": [WEEKDAYS[d] for d in profile.working_days],
        "holidays": {
            "use_national": profile.holidays.use_national,
            "national_sources": (
                [{"year": s.year, "decree": s.decree, "url": s.url} for s in national_sources()]
                if profile.holidays.use_national
                else []
            ),
            "add": [d.isoformat() for d in profile.holidays.add],
            "remove": [d.isoformat() for d in profile.holidays.remove],
            "days_off_count": len(calendar.days_off),
        },
        "languages": list(profile.languages),
        "stages": [
            {
                "stage": stage.value,
                "used": _stage_used(profile, stage),
                "service_level": _level(profile.service_level(stage)),
                "limit": _level(_stage_limit(profile, stage)),
            }
            for stage in STAGES
        ],
        "end_to_end": {
            "default": _level(profile.end_to_end.default),
            "channels": {c.value: _level(profile.end_to_end_for(c)) for c in channels},
        },
        "limits": {
            key: _level(getattr(profile.limits, key)) for key in type(profile.limits).model_fields
        },
        "roles": {
            role.value: {
                "name": _text(profile.roles.get(role)),
                "may": [a.value for a in used if profile.may(role, a)],
            }
            for role in Role
        },
        "permissions": {a.value: [r.value for r in profile.permissions.roles(a)] for a in used},
        "unused_actions": [a.value for a in unused],
        "steps": {
            "reclassify": profile.steps.reclassify,
            "approval_levels": [
                {"level": i, "role": role.value, "name": _text(profile.roles.get(role))}
                for i, role in enumerate(profile.steps.approval_levels, start=1)
            ],
            "liaison_accept": profile.steps.liaison_accept,
            "answer_info_directly": profile.steps.answer_info_directly,
        },
        "units": [u.model_dump(mode="json") for u in profile.units],
        "channels": [
            {**c.model_dump(mode="json"), "end_to_end": _level(profile.end_to_end_for(c.code))}
            for c in profile.channels
        ],
        "report_types": [t.model_dump(mode="json") for t in profile.report_types],
        "categories": [c.model_dump(mode="json") for c in profile.categories],
        "identity": profile.identity.model_dump(mode="json"),
        "prerequisites": [p.model_dump(mode="json") for p in profile.prerequisites],
        "outputs": [o.model_dump(mode="json") for o in profile.outputs],
        "automatic_steps": [s.model_dump(mode="json") for s in profile.automatic_steps],
    }


def render_text(data: dict[str, Any]) -> str:
    """Return the resolved profile as a short text for people."""

    def level(value: dict[str, Any] | None) -> str:
        return "no clock" if value is None else str(value["text"]["id"])

    def stage(entry: dict[str, Any]) -> str:
        if not entry["used"]:
            return "not used by this office"
        if entry["limit"] is not None:
            return f"closes after {entry['limit']['text']['id']}"
        return level(entry["service_level"])

    hours = data["office_hours"]
    lines = [
        f"{data['office']['id']} ({data['name']}, prefix {data['prefix']})",
        f"  file:        {data['file']}",
        f"  source:      {data['source']}",
        f"  timezone:    {data['timezone']} ({data['timezone_abbreviation']}),"
        f" {hours['start']}-{hours['end']}, {', '.join(data['working_day_names'])}",
        "stages:",
        *(f"  {s['stage']:<18} {stage(s)}" for s in data["stages"]),
        "end to end:",
        *(f"  {c:<18} {level(v)}" for c, v in data["end_to_end"]["channels"].items()),
        "limits:",
        *(f"  {k:<24} {level(v)}" for k, v in data["limits"].items()),
        "roles:",
        *(
            f"  {r:<11} {v['name']['id']}: {', '.join(v['may']) or '-'}"
            for r, v in data["roles"].items()
        ),
    ]
    approvals = data["steps"]["approval_levels"]
    if approvals:
        chain = " -> ".join(f"{a['level']}. {a['name']['id']}" for a in approvals)
        lines.append(f"approval:    {chain}")
    lines.append(f"units:       {', '.join(u['code'] for u in data['units']) or '-'}")
    for category in data["categories"]:
        subs = ", ".join(s["code"] for s in category["subcategories"])
        lines.append(f"category:    {category['code']}" + (f" ({subs})" if subs else ""))
    for check in data["prerequisites"]:
        lines.append(f"check:       {check['text']['id']}")
    for output in data["outputs"]:
        lines.append(f"output:      {output['name']['id']}")
    return "\n".join(lines)
