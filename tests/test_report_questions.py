"""The report conversation asks what fits the report type: a question is not an incident."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from bot.domain.intake import ReportDraft
from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.harness import BotRunner
from tests.test_report_conversation import DESCRIPTION, walk_to_title

QUESTION = (
    "Saya ingin tahu syarat dan lama pengurusan izin usaha mikro di kantor kecamatan, "
    "untuk membuka warung di rumah."
)


async def test_an_information_request_is_asked_its_question_not_when_and_where_it_happened(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Yohana"))
    await walk_to_title(citizen, report_type="Permintaan informasi")
    asked = await citizen.says("Syarat izin usaha mikro")
    assert "Tuliskan pertanyaan Anda" in asked
    assert "Ceritakan masalahnya" not in asked
    after = await citizen.says(QUESTION)
    assert "Kapan kejadiannya" not in after
    assert "Di mana lokasinya" not in after
    assert "anonim" in after


async def test_a_complaint_is_still_asked_when_and_where(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Maria"))
    await walk_to_title(citizen)
    assert "Ceritakan masalahnya" in await citizen.says("Jalan berlubang di Oesapa")
    assert "Kapan kejadiannya" in await citizen.says(DESCRIPTION)
    assert "Di mana lokasinya" in await citizen.says("📅 Hari ini")


async def test_an_aspiration_is_asked_for_the_suggestion(
    loopback: LoopbackBotApi, bot: BotRunner
) -> None:
    citizen = Citizen(loopback, loopback.add_user("Markus"))
    await walk_to_title(citizen, report_type="Aspirasi")
    assert "Tuliskan saran atau usulan Anda" in await citizen.says("Taman kota perlu lampu")


@pytest.mark.parametrize(
    "draft",
    [
        ReportDraft(key="k"),
        ReportDraft(
            key="k",
            done=["CHECKLIST", "TYPE", "CATEGORY"],
            type="pengaduan",
            category="infrastruktur",
            title="Jalan berlubang",
            latitude=-10.17,
            longitude=123.6,
            anonymous=True,
            attachments=[{"file_id": "AgAD", "kind": "photo", "caption": None}],
            flags={"quick_text": "x", "screen_title": {"outcome": "block", "categories": ["sara"]}},
            pending={"field": "description", "text": "…", "marks": [1, [2, 3]], "pair": (4, [5])},
            editing=True,
        ),
    ],
    ids=["empty", "full"],
)
def test_a_draft_is_saved_as_asdict_would_save_it_and_shares_nothing_with_it(
    draft: ReportDraft,
) -> None:
    saved = draft.to_json()
    assert saved == asdict(draft)
    assert list(saved) == list(asdict(draft)), "the same keys in the same order"
    for name, value in saved.items():
        if isinstance(value, list | dict):
            assert value is not getattr(draft, name), f"{name} is a copy"
    if draft.attachments:
        saved["attachments"][0]["caption"] = "changed"
        saved["flags"]["screen_title"]["categories"].append("changed")
        saved["pending"]["pair"][1].append("changed")
        assert draft.attachments[0]["caption"] is None
        assert draft.flags["screen_title"]["categories"] == ["sara"]
        assert draft.pending is not None
        assert draft.pending["pair"] == (4, [5])
    assert ReportDraft.from_json(saved).to_json() == saved
