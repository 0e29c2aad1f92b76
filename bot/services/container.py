"""The services every handler reaches through `context.bot_data`: one typed container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.clock import WorkCalendar
from bot.render import Renderer
from bot.settings import Settings
from storage.database import Database
from storage.repository import Clock, Repository, utc_now

if TYPE_CHECKING:
    from bot.domain.profile import Profile

SERVICES_KEY = "services"


class Sender(Protocol):
    """What the use cases need of the outbox sender (bot/telegram/outbox.py): a drain now."""

    async def drain(self) -> int:
        """Send what is due; return how many messages went out."""


@dataclass
class Services:
    """Settings, profile, storage and rendering, built once per application."""

    settings: Settings
    profile: Profile
    db: Database
    repo: Repository
    renderer: Renderer
    calendar: WorkCalendar
    clock: Clock
    outbox: Sender | None = None
    staff_chat_id: int | None = None

    def sender(self) -> Sender:
        """Return the outbox sender (it exists once the application has started)."""
        if self.outbox is None:
            raise RuntimeError("the outbox sender starts in post_init")
        return self.outbox


def get_services(bot_data: dict[str, Any]) -> Services:
    """Return the services stored in an application's bot_data."""
    services = bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def build_services(
    settings: Settings, *, profile: Profile | None = None, clock: Clock = utc_now
) -> Services:
    """Build the services from settings: the profile, storage and rendering."""
    from bot.domain.profile import load_profile

    profile = profile or load_profile(settings.aduan_profile)
    db = Database(settings.database_url, settings.data_key_values)
    return Services(
        settings=settings,
        profile=profile,
        db=db,
        repo=Repository(db, clock),
        renderer=Renderer(profile.zone),
        calendar=WorkCalendar.from_profile(profile),
        clock=clock,
        staff_chat_id=settings.staff_chat_id,
    )
