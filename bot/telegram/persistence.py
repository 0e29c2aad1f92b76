"""Conversation state across restarts, read from our own drafts table.

PTB's persistence flushes every 60 s by default, so a crash could lose the step someone is on.
Our handlers save the draft (step and answers) at every step, in the same database as the
reports; this persistence only tells PTB, at start, which step each saved draft is on.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.repository import Repository

# Conversations whose drafts this persistence restores, with the value each step name maps to.
StepNames = dict[str, dict[str, int]]


class DraftPersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Restore ConversationHandler states from saved drafts; store nothing else."""

    def __init__(self, repo: Repository, steps: StepNames) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=3600,
        )
        self.repo = repo
        self.steps = steps

    async def get_conversations(self, name: str) -> ConversationDict:
        """Return each saved draft of a conversation as (chat, user) -> state."""
        names = self.steps.get(name)
        if names is None:
            return {}
        await self.repo.db.upgrade()  # PTB asks before post_init has upgraded the schema
        result: dict[ConversationKey, object] = {}
        for draft in await self.repo.drafts_of(name):
            state = names.get(draft.step)
            if state is not None:
                # Drafts live in private chats, where the chat id is the user id.
                result[(draft.telegram_user_id, draft.telegram_user_id)] = state
        return result

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Do nothing: handlers save the draft themselves at every step."""

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        """Return no user data (not persisted)."""
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Return no chat data (not persisted)."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """Return no bot data (not persisted)."""
        return {}

    async def get_callback_data(self) -> CDCData | None:
        """Return no callback data (not persisted)."""
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Do nothing."""

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Do nothing."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Do nothing."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Do nothing."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Do nothing."""

    async def drop_user_data(self, user_id: int) -> None:
        """Do nothing."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Do nothing."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Do nothing."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Do nothing."""

    async def flush(self) -> None:
        """Do nothing: every draft is already in the database."""
