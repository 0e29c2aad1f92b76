"""A staff group in the loopback world: staff users with roles, citizens, reports and presses."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain.tracking import numbering
from bot.services import notify
from bot.services.container import Services
from bot.services.submit import unfiled_report
from bot.telegram import callbacks
from loopback import LoopbackBotApi
from loopback.models import DEFAULT_PHOTO, FakeChat, FakeUser
from storage.models import NewAttachment, NewReport, Report
from storage.vocabulary import Channel, ReportType, Stage
from tests.harness import BotRunner, make_settings

JSONDict = dict[str, Any]


@dataclass
class StaffWorld:
    """The bot, its staff group, staff members by role and a few citizens."""

    loopback: LoopbackBotApi
    runner: BotRunner
    group: FakeChat
    people: dict[str, FakeUser] = field(default_factory=dict)

    @property
    def svc(self) -> Services:
        """Return the running bot's services."""
        return self.runner.services

    def __getattr__(self, name: str) -> FakeUser:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    async def add_staff(
        self,
        name: str,
        role: str,
        *,
        units: tuple[str, ...] = (),
        member: bool = True,
        private: bool = True,
        username: str | None = None,
    ) -> FakeUser:
        """Register a staff member (in the group, having talked to the bot privately)."""
        user = self.loopback.add_user(name, username=username)
        if member:
            self.loopback.set_member(self.group.id, user)
        unit_ids = [u.id for u in await self.svc.repo.list_units() if u.code in units]
        await self.svc.repo.add_staff(user.id, name, role, unit_ids=unit_ids)
        if private:
            await self.svc.repo.mark_private_chat(user.id)
        self.people[name.lower()] = user
        return user

    async def file(
        self,
        citizen: FakeUser,
        *,
        name: str | None = "Siti Aminah",
        phone: str | None = "081234567890",
        type: str = "pengaduan",
        anonymous: bool = False,
        confidential: bool = False,
        evidence: int = 1,
        title: str = "Puskesmas tutup",
        description: str = "Puskesmas Oebobo tutup pada jam pelayanan tanpa pemberitahuan.",
    ) -> Report:
        """File a report for a citizen, with photos they sent, as the intake would."""
        svc = self.svc
        reporter = await svc.repo.ensure_reporter(citizen.id)
        files = [self._photo(citizen, f"bukti {n + 1}") for n in range(evidence)]
        identity = {k: v for k, v in {"name": name, "phone": phone}.items() if v}
        now = datetime.now(UTC)
        new = NewReport(
            reporter_id=reporter.id,
            channel=Channel.TELEGRAM,
            type=ReportType(type),
            title=title,
            description=description,
            stage=Stage.SUBMITTED,
            submitted_at=now,
            anonymous=anonymous,
            confidential=confidential,
            location_text="Kel. Oebobo, Kupang",
        )
        report = await svc.repo.submit_report(
            new,
            numbering=numbering(svc.profile.prefix, now, svc.profile.zone),
            attachments=files,
            identity=identity or None,
            messages=notify.after_submission(svc, reporter, unfiled_report(new), []),
        )
        stored = await svc.repo.attachments_of(report.id)
        copies = [c for a in stored if (c := notify.thread_copy(svc, report, a)) is not None]
        await svc.repo.enqueue(copies)
        await self.settle()
        return report

    def _photo(self, citizen: FakeUser, caption: str) -> NewAttachment:
        """Store a photo in the citizen's chat without sending it to the bot as an update."""
        chat = self.loopback.chats[citizen.id]
        content = {**self.loopback.media_content("photo", DEFAULT_PHOTO), "caption": caption}
        message = self.loopback.new_message(chat, citizen, content)
        self.loopback.store_message(message)
        best = message["photo"][-1]
        return NewAttachment(
            kind="photo",
            file_id=best["file_id"],
            file_unique_id=best["file_unique_id"],
            caption=caption,
            source_chat_id=citizen.id,
            source_message_id=message["message_id"],
        )

    async def settle(self) -> None:
        """Wait until the bot has finished reacting: updates handled, outbox drained."""
        await self.runner.idle()

    async def report(self, report: Report) -> Report:
        """Return the report as it is now."""
        current = await self.svc.repo.report(report.id)
        assert current is not None
        return current

    async def card(self, report: Report) -> JSONDict:
        """Return the report's card in the group as it is now."""
        message_id = await self.svc.repo.linked_message(report.id, "card", self.group.id)
        assert message_id is not None, "the card was not posted"
        message = self.loopback.get_message(self.group.id, message_id)
        assert message is not None
        return copy.deepcopy(message)

    async def press(
        self, user: FakeUser, report: Report, action: str, *extra: object, forge: bool = False
    ) -> JSONDict | None:
        """Press a card button (of the report's current version); return the callback answer."""
        card = await self.card(report)
        version = (await self.report(report)).version
        data = callbacks.build("rpt", action, report.id, version, *extra)
        query_id = self.loopback.press_button(user, card, data, forge=forge)
        await self.settle()
        record = self.loopback.answered_callback(query_id)
        assert record is not None, "the bot did not answer the press"
        return record.params

    def prompt_for(self, user: FakeUser, chat_id: int) -> JSONDict:
        """Return the last prompt the bot addressed in a chat."""
        prompts = [
            m for m in self.loopback.bot_messages(chat_id) if m.get("text", "").startswith("✍️")
        ]
        assert prompts, f"no prompt in chat {chat_id}"
        return prompts[-1]

    async def reply(self, user: FakeUser, text: str, *, private: bool = False) -> None:
        """Reply to the last prompt (in the group, or in the user's private chat)."""
        chat_id = user.id if private else self.group.id
        prompt = self.prompt_for(user, chat_id)
        chat = None if private else self.group
        self.loopback.send_text(user, text, chat=chat, reply_to=prompt["message_id"])
        await self.settle()

    async def act(
        self, user: FakeUser, report: Report, action: str, *, choice: object = None, text: str = ""
    ) -> None:
        """Press, pick and type as one staff member would for an action."""
        if choice is not None:
            await self.press(user, report, action)
            await self.press(user, report, action, choice)
        else:
            await self.press(user, report, action)
        if text:
            await self.reply(user, text, private=(await self.report(report)).confidential)

    async def unit_id(self, code: str) -> int:
        """Return a unit's id by code."""
        unit = await self.svc.repo.unit_by_code(code)
        assert unit is not None
        return unit.id

    async def stages(self, report: Report) -> list[str]:
        """Return the actions of a report's audit trail."""
        return [e.action for e in await self.svc.repo.events(report.id)]


@asynccontextmanager
async def staff_world(
    loopback: LoopbackBotApi, tmp_path: Path, **overrides: Any
) -> AsyncIterator[StaffWorld]:
    """Start the bot with a staff group, the usual staff and two citizens."""
    group = loopback.add_supergroup("Staf Pengaduan")
    # The group's real budget (20 a minute) is the rate limiter's test; here it would only wait.
    limits = {"rate_group_max": 1000, "rate_group_burst": 999, **overrides}
    settings = make_settings(loopback, tmp_path, staff_chat_id=group.id, **limits)
    runner = BotRunner(settings, loopback=loopback)
    await runner.start()
    world = StaffWorld(loopback, runner, group)
    try:
        await world.add_staff("Ani", "operator", username="ani_op")
        await world.add_staff("Budi", "liaison", units=("dinkes",))
        await world.add_staff("Citra", "supervisor")
        await world.add_staff("Dedi", "viewer")
        await world.add_staff("Eka", "liaison", units=("disdik",))
        world.people["siti"] = loopback.add_user("Siti", last_name="Aminah", username="siti_a")
        world.people["rudi"] = loopback.add_user("Rudi", username="rudi_r")
        yield world
    finally:
        await runner.stop()
