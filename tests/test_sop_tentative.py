"""Seed 000's times are "Tentatif": the citizen and the staff digests call the dates indicative."""

from __future__ import annotations

from pathlib import Path

from bot.domain.deadlines import tentative
from bot.domain.profile import load_profile
from tests.test_sla_sweep import (
    MONDAY,
    Clock,
    clock,
    file_report,
    start_services,
    sweep_and_take,
    wib,
)

__all__ = ["clock"]  # the fixture, shared with tests/test_sla_sweep.py


async def test_seed_000_digest_says_the_tentative_due_date_is_indicative(
    tmp_path: Path, clock: Clock
) -> None:
    svc = await start_services(tmp_path, clock, profile=load_profile("ntt-pbj"))
    await file_report(svc, MONDAY)
    [digest] = await sweep_and_take(svc, wib(7, 8, 5))
    assert "(perkiraan)" in digest.payload["text"]
    await svc.db.dispose()


async def test_a_firm_due_date_is_not_called_indicative(tmp_path: Path, clock: Clock) -> None:
    svc = await start_services(tmp_path, clock)
    await file_report(svc, MONDAY)
    [digest] = await sweep_and_take(svc, wib(7, 8, 5))
    assert "perkiraan" not in digest.payload["text"]
    await svc.db.dispose()


async def test_seed_000_receipt_says_the_dates_are_indicative(tmp_path: Path, clock: Clock) -> None:
    svc = await start_services(tmp_path, clock, profile=load_profile("ntt-pbj"))
    values = {"number": "PBJNTT-2026-000001", "stage_due": MONDAY, "final_due": MONDAY}
    told = svc.renderer.render(
        "id",
        "intake_submitted",
        tentative=tentative(svc.profile, "submitted", "telegram"),
        **values,
    )
    assert "tentatif: tanggal di atas perkiraan, bukan janji" in told
    national = load_profile("nasional")
    plain = svc.renderer.render(
        "id", "intake_submitted", tentative=tentative(national, "submitted", "telegram"), **values
    )
    assert "perkiraan" not in plain
    await svc.db.dispose()
