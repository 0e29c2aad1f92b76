"""The demo world: the real application against the loopback Bot API, with demo people.

Everything the bot does here is what it does in production: the same application, handlers,
storage and outbox, talking HTTP to a loopback Bot API. Only the people and the clock are
pretend: citizens and staff made from the chosen profile, and a clock the demo moves forward,
after which the SLA sweep and the daily recap run at once instead of waiting for real time.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.domain.clock import WorkCalendar
from bot.domain.profile import Profile, list_profiles, load_profile
from bot.sandbox.clock import DemoClock, office_morning
from bot.services.container import Services, get_services
from bot.services.sla.recap import post_recap
from bot.services.sla.sweep import run_sweep
from bot.settings import Settings
from bot.telegram import lifecycle
from bot.telegram.lifecycle import App
from loopback import FakeChat, FakeUser, LoopbackBotApi
from storage.repository import utc_now
from storage.vocabulary import Role, Stage

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
CITIZENS = (("Siti", "Aminah"), ("Rudi", "Hartono"), ("Wati", None))
LIAISON_NAMES = ("Budi", "Eka", "Fajar")
SUPERVISOR_NAMES = ("Citra", "Dewi", "Gita")
MAX_LIAISONS = 3
# Where the pretend location points: Kupang, the office of most seeds.
DEMO_LOCATION = (-10.1772, 123.6070)
OPEN_STAGES = (Stage.SUBMITTED, Stage.DISPOSED, Stage.IN_PROGRESS, Stage.AWAITING_APPROVAL)
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass
class Person:
    """One demo person: a citizen or a staff member, and what the page calls them."""

    key: str
    user: FakeUser
    kind: str  # "citizen" or "staff"
    role: str = ""
    label: str = ""
    phone: str = ""

    def to_json(self) -> JSONDict:
        """Return what the page shows of the person."""
        return {
            "key": self.key,
            "id": self.user.id,
            "name": self.user.first_name,
            "kind": self.kind,
            "role": self.role,
            "label": self.label,
        }


def profile_names() -> list[str]:
    """Return the names of the profiles the demo offers."""
    return [name for name, _path in list_profiles()]


class DemoWorld:
    """One running demo: loopback server, application, demo people and clock."""

    def __init__(self, base: Settings, profile_name: str) -> None:
        self.base = base
        self.profile_name = profile_name
        self.api = LoopbackBotApi()
        self.profile: Profile = load_profile(profile_name)
        self.calendar = WorkCalendar.from_profile(self.profile)
        self.clock = DemoClock(office_morning(self.calendar, utc_now()))
        self.folder = Path(tempfile.mkdtemp(prefix="aduan-sandbox-"))
        self.app: App | None = None
        self.group: FakeChat | None = None
        self.people: dict[str, Person] = {}
        # Bumped whenever something the page shows may have changed.
        self.version = 0

    @property
    def database_url(self) -> str:
        """Return the demo's own SQLite file."""
        return f"sqlite+aiosqlite:///{self.folder}/demo.db"

    @property
    def services(self) -> Services:
        """Return the running application's services."""
        assert self.app is not None, "the demo is not running"
        return get_services(self.app.bot_data)

    async def start(self) -> None:
        """Start the loopback server, the application and the demo people."""
        from bot.app import build_application

        await self.api.start()
        self.group = self.api.add_supergroup(f"Staf Pengaduan · {self.profile.short_name.id}")
        settings = self.base.model_copy(
            update={
                "telegram_bot_token": SecretStr(self.api.token),
                "telegram_base_url": self.api.base_url,
                "telegram_base_file_url": self.api.base_file_url,
                "database_url": self.database_url,
                "aduan_profile": self.profile_name,
                "staff_chat_id": self.group.id,
                "admin_user_ids": frozenset(),
                "poll_timeout_seconds": 1,
                "outbox_interval_seconds": 0.05,
                "outbox_backoff_seconds": 0.5,
                # A demo types fast and in one group; the real limits have their own tests.
                "rate_group_max": 1000,
                "rate_group_burst": 999,
                "limit_messages_per_minute": 1000,
                # The demo's clock jumps; the sweep and recap run after each jump instead.
                "sla_jobs_enabled": False,
            }
        )
        self.app = build_application(settings, clock=self.clock)
        await lifecycle.start(self.app, poll_timeout=1)
        await self._add_people()
        self.version += 1

    async def stop(self) -> None:
        """Stop the application and the loopback server; delete the demo database."""
        app, self.app = self.app, None
        if app is not None:
            await lifecycle.stop(app)
        await self.api.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    async def _add_people(self) -> None:
        """Register the profile's staff (in the group, reachable privately) and the citizens."""
        assert self.group is not None
        profile, repo = self.profile, self.services.repo
        roles = profile.roles
        units = {u.code: u for u in await repo.list_units()}
        names = profile.steps.approval_names
        levels = list(enumerate(profile.steps.approval_levels, 1))

        def level_name(level: int) -> str:
            return names[level - 1].id if level <= len(names) else roles.supervisor.id

        # An approval level an operator holds (seed 003: the operator sends the answer out).
        held = next((n for n, role in levels if role == Role.OPERATOR), None)
        title = roles.operator.id + (f" · {level_name(held)}" if held else "")
        await self._add_staff("ani", "Ani", Role.OPERATOR, title, approval_level=held)
        for name, unit in zip(LIAISON_NAMES, profile.units[:MAX_LIAISONS], strict=False):
            live = units.get(unit.code)
            await self._add_staff(
                name.lower(),
                name,
                Role.LIAISON,
                f"{roles.liaison.id} · {unit.name.id}",
                unit_ids=[live.id] if live else [],
            )
        supervisors: list[tuple[int | None, str]] = [
            (n, level_name(n)) for n, role in levels if role == Role.SUPERVISOR
        ] or [(None, roles.supervisor.id)]
        for name, (level, title) in zip(SUPERVISOR_NAMES, supervisors, strict=False):
            await self._add_staff(name.lower(), name, Role.SUPERVISOR, title, approval_level=level)
        for n, (first, last) in enumerate(CITIZENS, 1):
            user = self.api.add_user(first, last_name=last, username=f"{first.lower()}_warga")
            self.people[first.lower()] = Person(
                first.lower(), user, "citizen", phone=f"08123456780{n}"
            )

    async def _add_staff(
        self,
        key: str,
        name: str,
        role: Role,
        label: str,
        *,
        unit_ids: list[int] | None = None,
        approval_level: int | None = None,
    ) -> None:
        """Add one staff member to the registry, the group, and a private chat with the bot."""
        assert self.group is not None
        repo = self.services.repo
        user = self.api.add_user(name, username=f"{key}_staf")
        self.api.set_member(self.group.id, user)
        await repo.add_staff(
            user.id, name, role.value, unit_ids=unit_ids or [], approval_level=approval_level
        )
        await repo.mark_private_chat(user.id)
        phone = f"08123456790{len(self.people)}"
        self.people[key] = Person(key, user, "staff", role.value, label, phone)

    # -- what people do ---------------------------------------------------------------------

    def person(self, key: str) -> Person:
        """Return a demo person by key; raise KeyError for someone unknown."""
        return self.people[key]

    def chat_for(self, person: Person, where: str) -> FakeChat | None:
        """Return the chat a person acts in: the staff group, or None for their private chat."""
        if where == "group":
            if person.kind != "staff":
                raise PermissionError("only staff are in the staff group")
            return self.group
        return None

    def act(self, key: str, where: str, action: JSONDict) -> None:
        """Do what a person did on the page: type, press, share or reply."""
        person = self.person(key)
        chat = self.chat_for(person, where)
        user = person.user
        reply_to = action.get("reply_to")
        kind = action.get("kind")
        if kind == "text":
            text = str(action.get("text", ""))
            if text.strip():
                self.api.send_text(user, text, chat=chat, reply_to=reply_to)
        elif kind == "press":
            chat_id = chat.id if chat is not None else user.id
            message = self.api.get_message(chat_id, int(action["message_id"]))
            if message is None:
                raise LookupError("that message is gone")
            self.api.press_button(user, message, str(action["data"]), chat=chat)
        elif kind == "contact":
            self.api.send_contact(user, person.phone, chat=chat)
        elif kind == "location":
            self.api.send_location(user, *DEMO_LOCATION, chat=chat)
        else:
            raise ValueError(f"unknown action {kind!r}")
        self.version += 1

    def upload(
        self,
        key: str,
        where: str,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None,
        reply_to: int | None,
    ) -> None:
        """Send a file a person picked: a photo as a photo, anything else as a document."""
        person = self.person(key)
        chat = self.chat_for(person, where)
        if mime_type in ("image/jpeg", "image/png"):
            self.api.send_photo(person.user, data, caption=caption, chat=chat, reply_to=reply_to)
        else:
            self.api.send_document(
                person.user,
                data,
                file_name=file_name,
                mime_type=mime_type or "application/octet-stream",
                caption=caption,
                chat=chat,
                reply_to=reply_to,
            )
        self.version += 1

    # -- the clock --------------------------------------------------------------------------

    async def move_clock(self, step: str) -> datetime:
        """Move the clock (an hour, a day, or to the next due date), then sweep and recap."""
        if step == "due":
            due = await self.next_due()
            if due is None:
                raise LookupError("no open report has a due date")
            target = due + timedelta(minutes=1)
            if not self.calendar.is_office_open(target):
                # Staff reminders wait for office hours, as they do in production.
                target = self.calendar.next_opening(target) + timedelta(minutes=5)
            now = self.clock.advance_to(target)
        else:
            now = self.clock.advance(STEPS[step])
        await self.run_jobs(now)
        self.version += 1
        return now

    async def run_jobs(self, now: datetime) -> None:
        """Run what the SLA jobs run (bot/telegram/jobs.py), at the demo's now."""
        svc = self.services
        await run_sweep(svc, now)
        await post_recap(svc, now)
        await svc.sender().drain()

    async def next_due(self) -> datetime | None:
        """Return the earliest due date still ahead among the open reports."""
        repo, now = self.services.repo, self.clock()
        found: list[datetime] = []
        for stage in OPEN_STAGES:
            for clock in ("stage", "final"):
                rows = await repo.sla_candidates(
                    stage, now + timedelta(days=3650), clock=clock, after=(now, 0), limit=1
                )
                found += [
                    due
                    for row in rows
                    if (due := row.stage_due_at if clock == "stage" else row.final_due_at)
                ]
        return min(found, default=None)
