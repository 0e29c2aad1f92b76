"""Every staff action is one spec: its button, prompt and picker render from the table alone.

For every profile and every staff action some role of that office may take, in both languages,
the button, the prompt and the picker are rendered from `bot.domain.actions.SPECS`; then, through
the loopback Bot API, a reply is routed by what it answers (a stored prompt, a card), never by
the first character of the bot's message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChoiceLoader, DictLoader

from bot.domain.actions import PERSON, REGISTRY_PICKERS, SPECS, ActionSpec, Lookup, PickerKind
from bot.domain.profile import PROFILES_DIR, Profile, load_profile
from bot.domain.vocabulary import STAFF_ACTIONS, Action, Channel, ReportType, Stage
from bot.render import LANGUAGES, Renderer
from bot.services.staff_actions import LOOKUPS
from bot.telegram import cards
from loopback import LoopbackBotApi, parse_html
from storage.models import Report
from tests.staff_kit import StaffWorld, staff_world

PROFILES = sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))
CALLBACK_MAX = 64  # bytes, Telegram's limit for callback_data
MESSAGE_MAX = 4096
# The largest ids a card could name in practice: a callback must still fit.
BIG_ID = 10**9
BIG_VERSION = 10**6
HOSTILE_NAME = "<b>Ani & Co</b>"


def sample_report(**changes: Any) -> Report:
    """Return a submitted report with ids as large as a card could carry."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": BIG_ID,
        "number": "ADU-2026-000001",
        "reporter_id": 1,
        "channel": Channel.TELEGRAM,
        "type": ReportType.PENGADUAN,
        "category": None,
        "subcategory": None,
        "title": "Puskesmas tutup",
        "description": "Puskesmas tutup pada jam pelayanan.",
        "event_date": None,
        "location_text": None,
        "latitude": None,
        "longitude": None,
        "anonymous": False,
        "confidential": False,
        "stage": Stage.SUBMITTED,
        "resume_stage": None,
        "unit_id": 7,
        "assignee_id": None,
        "duplicate_of_id": None,
        "stage_started_at": now,
        "stage_due_at": now,
        "final_due_at": now,
        "screening": None,
        "rating": None,
        "rating_comment": None,
        "approval_level": 0,
        "approvers": None,
        "answer": None,
        "answered_at": None,
        "paused_stage_seconds": None,
        "paused_final_seconds": None,
        "stage_warned_at": None,
        "stage_breached_at": None,
        "stage_escalated_at": None,
        "submission_key": None,
        "version": BIG_VERSION,
        "submitted_at": now,
        "updated_at": now,
        "closed_at": None,
        **changes,
    }
    return Report(**fields)


def offered_actions(profile: Profile) -> list[ActionSpec]:
    """Return the specs of the staff actions some role of this office may take."""
    return [spec for spec in SPECS.values() if spec.roles(profile)]


def registry(profile: Profile, kind: PickerKind, lang: str) -> list[tuple[str, str]]:
    """Return a registry picker's choices as the profile seeds them (ids as large as may be)."""
    options = [("7", "Unit yang memegangnya sekarang")]  # the sample report's own unit
    options += [
        (str(BIG_ID + n), (unit.name.get(lang) or unit.code)[:60])
        for n, unit in enumerate(profile.units)
    ]
    if kind is PickerKind.HOLDER:
        options.append((f"{PERSON}{BIG_ID}", f"👤 {HOSTILE_NAME}"))
    return options


def assert_button(button: dict[str, str]) -> None:
    assert button["text"].strip(), button
    assert "{" not in button["text"], f"unformatted label: {button['text']}"
    assert len(button["callback_data"].encode()) <= CALLBACK_MAX, button["callback_data"]


def test_every_staff_action_has_one_spec_and_every_lookup_is_resolved() -> None:
    assert set(SPECS) == STAFF_ACTIONS
    assert all(spec.action is action for action, spec in SPECS.items())
    assert set(LOOKUPS) == set(Lookup)
    # Pickers that need a typed reply only after some choices name choices the picker offers.
    for spec in SPECS.values():
        if spec.reply is not None and spec.reply.when is not None:
            assert spec.picker is not None
            assert spec.reply.when <= set(spec.picker.choices), spec.action


def test_the_profiles_are_all_covered() -> None:
    assert len(PROFILES) >= 5


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("profile_name", PROFILES)
def test_every_action_renders_its_button_prompt_and_picker_from_the_table(
    profile_name: str, lang: str
) -> None:
    profile = load_profile(profile_name)
    renderer = Renderer(profile.zone)
    report = sample_report()
    specs = offered_actions(profile)
    assert specs, f"{profile_name} lets no role act"
    for spec in specs:
        if spec.button:
            button = cards.action_button(renderer, report, spec, lang)
            assert_button(button)
            assert renderer.has_label(spec.label)
        if spec.picker is not None:
            _check_picker(renderer, profile, report, spec, lang)
        if spec.reply is not None:
            _check_prompts(renderer, spec, lang, report)


def _check_picker(
    renderer: Renderer, profile: Profile, report: Report, spec: ActionSpec, lang: str
) -> None:
    picker = spec.picker
    assert picker is not None
    options = registry(profile, picker.kind, lang) if picker.kind in REGISTRY_PICKERS else []
    markup = cards.picker_markup(renderer, report, spec, lang, options)
    rows = markup["inline_keyboard"]
    buttons = [b for row in rows for b in row]
    for button in buttons:
        assert_button(button)
    *choices, back = buttons
    assert back["callback_data"].startswith(f"{cards.FEATURE}:{cards.BACK}:")
    assert choices, f"{spec.action} offers nothing"
    for button in choices:
        choice = button["callback_data"].split(":")[-1]
        assert spec.valid_choice(choice), (spec.action, choice)
    if picker.current is not None:  # what the report already has is not offered again
        current = str(getattr(report, picker.current))
        assert all(b["callback_data"].split(":")[-1] != current for b in choices)


def _check_prompts(renderer: Renderer, spec: ActionSpec, lang: str, report: Report) -> None:
    reply = spec.reply
    assert reply is not None
    choices: list[str | None] = [None]
    if spec.picker is not None:
        choices = [*sorted(reply.when or spec.picker.choices)]
    for choice in choices:
        assert spec.needs_text(choice)
        for username in (None, "ani_op"):
            text = cards.prompt_text(
                renderer,
                spec,
                choice,
                lang,
                number=report.number,
                staff_name=HOSTILE_NAME,
                username=username,
            )
            plain, _entities = parse_html(text)  # raises on unescaped or broken HTML
            assert plain.strip()
            assert len(plain) <= MESSAGE_MAX
            assert "{" not in plain, plain
            assert "None" not in plain, plain
            assert report.number in plain
            if username is None:
                assert HOSTILE_NAME in plain  # shown as typed, escaped in the HTML
                assert "<b>Ani" not in text
            ask = renderer.label(lang, reply.prompt_key(choice), choice=choice)
            assert ask
            assert ask in plain
            if choice is not None and "{choice}" in reply.prompt:
                assert renderer.has_label(reply.prompt_key(choice))


def test_a_reject_reason_asks_for_text_only_where_the_spec_says() -> None:
    reject = SPECS[Action.REJECT]
    assert not reject.needs_picker("abuse")
    assert reject.needs_picker(None)
    assert not reject.needs_text("abuse")
    assert reject.needs_text("outside")
    assert reject.needs_text("other")
    assert not reject.valid_choice("nonsense")
    reassign = SPECS[Action.REASSIGN]
    assert reassign.valid_choice("12")
    assert reassign.valid_choice(f"{PERSON}12")
    assert not SPECS[Action.DISPOSE].valid_choice(f"{PERSON}12")


# --- routing replies by what they answer, through the loopback --------------------------------

PLAIN_PROMPT = "Tolong {{ ask }} ({{ number }}). Balas pesan ini."
PLAIN_CARD = "Kartu laporan {{ report.number }}: {{ stage_name }}"


def without_emoji(w: StaffWorld) -> None:
    """Make the prompts and the cards start with plain letters instead of their emoji."""
    env = w.svc.renderer.env
    overrides = {
        f"{lang}/{name}.html.j2": body
        for lang in LANGUAGES
        for name, body in (("staff_prompt", PLAIN_PROMPT), ("card", PLAIN_CARD))
    }
    assert env.loader is not None
    env.loader = ChoiceLoader([DictLoader(overrides), env.loader])


def last_prompt(w: StaffWorld, number: str) -> dict[str, Any]:
    messages = [
        m
        for m in w.loopback.bot_messages(w.group.id)
        if m.get("text", "").startswith("Tolong") and number in m["text"]
    ]
    assert messages, "no prompt"
    return messages[-1]


async def test_a_prompt_and_a_card_are_found_by_what_they_are_not_by_their_first_character(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        without_emoji(w)
        report = await w.file(w.siti, evidence=0)
        card = await w.card(report)
        assert card["text"].startswith("Kartu laporan")

        await w.press(w.ani, report, "ask_info")
        prompt = last_prompt(w, report.number)
        assert not prompt["text"].startswith("✍️")
        loopback.send_text(
            w.ani, "Jam berapa puskesmas tutup?", chat=w.group, reply_to=prompt["message_id"]
        )
        await w.settle()
        assert (await w.report(report)).stage == Stage.NEEDS_INFO
        question = loopback.last_bot_message(w.siti.id)
        assert "Jam berapa puskesmas tutup?" in question["text"]

        loopback.send_text(
            w.ani, "Pelapor sudah ditelepon.", chat=w.group, reply_to=card["message_id"]
        )
        await w.settle()
        events = await w.svc.repo.events(report.id)
        assert (events[-1].action, events[-1].note) == (Action.NOTE, "Pelapor sudah ditelepon.")

        # A citizen replying to the bot's own question is no staff reply: it reaches the
        # citizen's handlers and answers the question.
        loopback.send_text(w.siti, "Jam 10 pagi.", reply_to=question["message_id"])
        await w.settle()
        after = await w.report(report)
        assert after.stage == Stage.SUBMITTED
        events = await w.svc.repo.events(report.id)
        assert (events[-1].action, events[-1].note) == (Action.PROVIDE_INFO, "Jam 10 pagi.")


async def test_a_reply_to_another_bot_message_in_the_group_is_no_note(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.siti, evidence=0)
        await w.act(w.ani, report, "ask_info", text="Di mana lokasinya?")
        # The prompt was answered: a second reply to it is neither an answer nor a note.
        prompt = w.prompt_for(w.ani, w.group.id)
        before = await w.stages(report)
        loopback.send_text(w.ani, "Satu lagi.", chat=w.group, reply_to=prompt["message_id"])
        await w.settle()
        assert await w.stages(report) == before
