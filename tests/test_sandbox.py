"""The demo console in a real browser: Debian's Chromium, headless, driven by Playwright.

A person clicks through the page: a citizen files a report with a photo, the head of bureau
disposes it, the assigned official answers by replying, both approval levels approve, and the
citizen sees the answer and rates it. A second test, on a phone-sized screen, moves the clock
and sees the reminder digest. Screenshots of each step go to the folder the tests print.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    FilePayload,
    Locator,
    Page,
    async_playwright,
    expect,
)

from bot.sandbox.server import Console
from bot.settings import Settings
from storage.vocabulary import Stage

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The profile with the most steps: the Kepala Biro dispositions, two approval levels.
PROFILE = "ntt-biro-organisasi"
ARTIFACTS = Path(
    os.environ.get("SANDBOX_ARTIFACTS") or Path(tempfile.gettempdir()) / "aduan-sandbox-artifacts"
)
WAIT_MS = 10_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is missing (make test installs it)"
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Return a small solid-colour PNG (a photo of a pothole, for the demo)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[Console, str]]:
    base = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/unused.db")
    demo = Console(base, PROFILE)
    address = await demo.start("127.0.0.1", 0)
    try:
        yield demo, address
    finally:
        await demo.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class Shots:
    """Numbered screenshots of one test, in a folder of its own."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        print(f"screenshots: {self.folder}")

    async def take(self, step: str) -> None:
        """Save the page as it looks now."""
        self.count += 1
        await self.page.screenshot(path=self.folder / f"{self.count:02d}-{step}.png")


def last_bot(pane: Locator) -> Locator:
    """Return the newest message the bot sent in a pane."""
    return pane.locator(".msg.bot").last


async def tap(pane: Locator, label: str, expect_text: str) -> None:
    """Press a reply-keyboard button and wait for the bot's next question."""
    await pane.locator(".keyboard .kbtn", has_text=label).first.click()
    await expect(last_bot(pane)).to_contain_text(expect_text, timeout=WAIT_MS)


async def type_in(pane: Locator, text: str, expect_text: str | None = None) -> None:
    """Type a message and send it; wait for the bot's answer when one is expected."""
    await pane.locator(".composer .text").fill(text)
    await pane.locator(".composer .send").click()
    if expect_text is not None:
        await expect(last_bot(pane)).to_contain_text(expect_text, timeout=WAIT_MS)


async def card_button(group: Locator, label: str) -> None:
    """Press a button on the report's card in the staff group."""
    await group.locator(".msg.bot .ibtn", has_text=label).first.click()


async def file_report(page: Page, shots: Shots) -> Locator:
    """File a report as the citizen Siti, from /start to the receipt, with a photo."""
    citizen = page.locator("#pane-citizen")
    await citizen.locator(".who").select_option("siti")
    await type_in(citizen, "/start", "Selamat datang")
    await shots.take("citizen-start")
    await tap(citizen, "Buat Laporan", "Apa jenis laporan Anda")
    await tap(citizen, "Pengaduan", "Pilih kategori")
    await tap(citizen, "Tata laksana dan pelayanan publik", "judul singkat")
    await type_in(citizen, "Loket pelayanan lambat", "Ceritakan masalahnya")
    await type_in(
        citizen,
        "Antrean di loket Biro Organisasi berjalan lambat & petugas <sering> tidak ada di tempat.",
        "Kapan kejadiannya",
    )
    await tap(citizen, "Kemarin", "Di mana lokasinya")
    await tap(citizen, "Kirim lokasi saya", "anonim")
    await expect(citizen.locator(".location-card")).to_be_visible()
    await tap(citizen, "Tidak, tampilkan identitas saya", "Rahasiakan")
    await tap(citizen, "Tidak perlu dirahasiakan", "Lampirkan bukti")
    await citizen.locator(".composer .text").fill("Antrean panjang pagi ini")
    await citizen.locator(".composer .file").set_input_files(
        files=FilePayload(
            name="antrean.png", mimeType="image/png", buffer=png(320, 200, (90, 120, 160))
        )
    )
    await expect(last_bot(citizen)).to_contain_text("Berkas tersimpan", timeout=WAIT_MS)
    await expect(citizen.locator(".msg.mine img.photo")).to_be_visible()
    await shots.take("citizen-photo")
    await tap(citizen, "Selesai, lanjut", "Persetujuan pemrosesan data pribadi")
    await tap(citizen, "Setuju", "Nama lengkap")
    await type_in(citizen, "Siti Aminah", "Nomor HP")
    await tap(citizen, "Kirim nomor saya", "Alamat lengkap")
    await expect(citizen.locator(".contact-card")).to_be_visible()
    await type_in(citizen, "Jl. El Tari 52, Kel. Oebobo, Kota Kupang", "surel")
    await tap(citizen, "Lewati", "KTP")
    await tap(citizen, "Lewati", "Periksa laporan Anda")
    await shots.take("citizen-review")
    await tap(citizen, "Kirim laporan", "Laporan Anda sudah kami terima")
    await shots.take("citizen-receipt")
    return citizen


async def test_one_report_from_the_first_message_to_the_rating(
    console: tuple[Console, str], browser: Browser
) -> None:
    demo, address = console
    page = await browser.new_page(viewport={"width": 1440, "height": 900})
    shots = Shots(page, "report-to-rating")
    await page.goto(address)
    await expect(page.locator("#profile")).to_have_value(PROFILE)
    citizen = await file_report(page, shots)
    number = re.search(r"ORGNTT-\d{4}-\d{6}", await last_bot(citizen).inner_text())
    assert number is not None

    group = page.locator("#pane-group")
    card = group.locator(".msg.bot", has_text=number.group()).first
    await expect(card).to_contain_text("menunggu verifikasi", timeout=WAIT_MS)
    # The text the citizen typed arrives as text, not markup.
    await expect(card).to_contain_text("petugas <sering> tidak ada")
    await expect(group.locator("img.photo")).to_be_visible(timeout=WAIT_MS)
    await shots.take("group-card")

    # The Kepala Biro dispositions (seed 002); the card's buttons turn into the unit picker.
    await group.locator(".who").select_option("dewi")
    await card_button(group, "Disposisi")
    await expect(card.locator(".ibtn", has_text="Bagian Tata Laksana")).to_be_visible()
    await shots.take("unit-picker")
    await card_button(group, "Bagian Tata Laksana")
    await expect(card.locator(".ibtn", has_text="Jawab")).to_be_visible(timeout=WAIT_MS)

    # The official of that unit answers by replying to the bot's prompt.
    await group.locator(".who").select_option("fajar")
    await card_button(group, "Jawab")
    await expect(last_bot(group)).to_contain_text("tulis jawaban", timeout=WAIT_MS)
    await expect(group.locator(".replying")).to_be_visible()
    await shots.take("answer-prompt")
    await type_in(group, "Mohon maaf. Mulai Senin loket dibuka dua dan antrean memakai nomor.")
    await expect(card.locator(".ibtn", has_text="Setujui")).to_be_visible(timeout=WAIT_MS)
    mine = group.locator(".msg.mine", has_text="Mulai Senin loket dibuka dua")
    await expect(mine.locator(".quote")).to_contain_text("tulis jawaban")
    await shots.take("awaiting-approval")

    # Both approval levels: the Kepala Bagian, then the Kepala Biro.
    await group.locator(".who").select_option("dewi")
    await card_button(group, "Setujui")
    await expect(page.locator("#alert")).to_be_visible(timeout=WAIT_MS)
    await shots.take("wrong-level-alert")
    await page.locator("#alert .alert-ok").click()
    await group.locator(".who").select_option("citra")
    await card_button(group, "Setujui")
    await expect(card).to_contain_text("Kepala Biro", timeout=WAIT_MS)
    await group.locator(".who").select_option("dewi")
    await card_button(group, "Setujui")

    answer = citizen.locator(".msg.bot", has_text="Jawaban atas laporan")
    await expect(answer).to_contain_text("loket dibuka dua", timeout=WAIT_MS)
    await shots.take("citizen-answer")
    await answer.locator(".ibtn", has_text="5").first.click()
    await expect(last_bot(citizen)).not_to_contain_text("Jawaban atas laporan", timeout=WAIT_MS)
    await shots.take("citizen-rated")

    report = await demo.world.services.repo.report_by_number(number.group())
    assert report is not None
    assert (report.stage, report.rating) == (Stage.CLOSED, 5)
    await page.close()


async def test_the_clock_moves_and_the_staff_group_gets_the_digests_and_the_daily_recap(
    console: tuple[Console, str], browser: Browser
) -> None:
    _demo, address = console
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    shots = Shots(page, "clock-reminders")
    await page.goto(address)
    await file_report(page, shots)
    before = await page.locator("#clock").get_attribute("data-clock")

    await page.locator("#tabs button[data-pane=group]").click()
    group = page.locator("#pane-group")
    await expect(group).to_be_visible()
    await expect(page.locator("#pane-citizen")).to_be_hidden()
    await page.locator(".step[data-step=due]").click()
    digest = group.locator(".msg.bot", has_text="Pengingat batas waktu")
    await expect(digest).to_contain_text("lewat batas waktu", timeout=WAIT_MS)
    await expect(page.locator("#clock")).not_to_have_attribute("data-clock", before or "")
    await shots.take("digest")
    # The jump landed on an office morning, whose recap came with the digest; a day later, the next.
    recaps = group.locator(".msg.bot", has_text="Rekap harian")
    seen = await recaps.count()
    await page.locator(".step[data-step=day]").click()
    await expect(recaps).to_have_count(seen + 1, timeout=WAIT_MS)
    # A working day past the breach, the report is escalated to the supervisors.
    await expect(group.locator(".msg.bot", has_text="dieskalasi ke atasan")).to_have_count(1)
    await shots.take("daily-recap")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    await page.close()
