"""The fault suite: 429s, 5xx, slow answers and dropped lines on every method the bot uses.

Staff dispose and accept reports while a seeded plan (loopback/faults.py) makes Telegram fail
each method a few times: before a call is applied, and after it was applied with the answer
lost. Every action must end applied exactly once and every queued message delivered. A message
can only be doubled where Telegram applied a send and the answer was lost (the Bot API has no
idempotency key); the suite counts those and prints the figures.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.telegram.cards import render_card
from bot.telegram.request import ResilientRequest, _Backend
from loopback import LoopbackBotApi
from loopback.faults import FaultPlan
from loopback.htmltext import parse_html
from tests.harness import BotRunner, eventually
from tests.staff_kit import staff_world

SEED = 1414
METHODS = (
    "getUpdates",
    "getChatMember",
    "answerCallbackQuery",
    "sendMessage",
    "editMessageText",
    "copyMessage",
)
SENDS = {"sendMessage", "copyMessage"}


def doubles(loopback: LoopbackBotApi, chat_id: int) -> int:
    """Count bot messages in a chat that repeat an earlier one (same text, same reply)."""
    seen = Counter(
        (m.get("text") or m.get("caption"), (m.get("reply_to_message") or {}).get("message_id"))
        for m in loopback.bot_messages(chat_id)
    )
    return sum(n - 1 for n in seen.values())


async def test_faults_on_every_method_leave_each_action_applied_once_and_each_message_sent(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        citizens = [w.siti, w.rudi]
        before = [await w.file(c, title=f"Laporan {n}") for n, c in enumerate(citizens)]
        plan = FaultPlan(loopback, seed=SEED)
        plan.scatter(METHODS, per_method=4)
        # Filed while Telegram misbehaves: cards (sendMessage) and evidence (copyMessage).
        during = [await w.file(c, title=f"Laporan {n + 2}") for n, c in enumerate(citizens)]
        reports = before + during
        dinkes = await w.unit_id("dinkes")
        for report in reports:
            await w.act(w.ani, report, "dispose", choice=dinkes)
            await w.act(w.budi, report, "accept")

        async def all_sent() -> bool:
            return all(i.status == "sent" for i in await w.svc.repo.outbox_items())

        await eventually(all_sent, within=40)
        await w.settle()

        applied = {r.id: await w.stages(r) for r in reports}
        cards_current = [
            (await w.card(r))["text"] == parse_html((await render_card(w.svc, r.id))["text"])[0]
            for r in reports
        ]
        items = await w.svc.repo.outbox_items()
        triggered = plan.triggered()
        lost = sum(1 for i in items if i.status != "sent")
        doubled = sum(doubles(loopback, chat) for chat in (w.group.id, *[c.id for c in citizens]))
        # A card posted twice differs from its twin once edited: count the posts themselves.
        card_posts = [
            m for m in loopback.bot_messages(w.group.id) if m.get("text", "").startswith("📋")
        ]
        doubled += len(card_posts) - len(reports)
        lost_answers_on_sends = sum(
            n for (method, kind), n in triggered.items() if kind == "drop_after" and method in SENDS
        )
        print(
            f"\nfault suite (seed {SEED}): {sum(plan.queued.values())} faults queued, "
            f"{sum(triggered.values())} met ({dict(sorted(triggered.items()))}); "
            f"{len(loopback.updates)} updates; actions applied "
            f"{sum(len(s) - 1 for s in applied.values())} of {2 * len(reports)}; "
            f"messages delivered {len(items) - lost} of {len(items)}, lost {lost}, "
            f"doubled {doubled} (answers lost after a send: {lost_answers_on_sends})"
        )
    assert sum(triggered.values()) >= len(METHODS) * 2, "the plan must actually bite"
    assert all(s == ["submit", "dispose", "accept"] for s in applied.values()), applied
    assert all(cards_current), "every card shows its report as it is"
    assert lost == 0
    assert doubled <= lost_answers_on_sends


async def test_the_bots_connections_find_their_socket_once(bot: BotRunner) -> None:
    assert bot.app is not None
    request = bot.app.bot.request
    assert isinstance(request, ResilientRequest)
    pool = request._client._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool._network_backend, _Backend), "httpx's pool no longer takes ours"
