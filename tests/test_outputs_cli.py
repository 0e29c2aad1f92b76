"""`python -m bot report`: each format written from the shell, bad periods refused politely."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from bot.__main__ import main
from tests.harness import database_url
from tests.test_outputs_register import SECRET, seed
from tests.test_sla_sweep import Clock, start_services, wib


@pytest.fixture
def seeded_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Seed May 2026 in a database file the command line then reads."""

    async def build() -> None:
        svc = await start_services(tmp_path, Clock(wib(20, 10)))
        await seed(svc)
        await svc.db.dispose()

    asyncio.run(build())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url(tmp_path))
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_writes_every_format(
    seeded_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    may = ("--from", "2026-05-01", "--to", "2026-05-31")
    code, out, _ = cli(capsys, "register", *may, "--format", "xlsx", "--out", "reg.xlsx")
    assert code == 0
    assert "5 laporan" in out
    assert load_workbook(seeded_db / "reg.xlsx").sheetnames == ["Ringkasan", "Register"]
    assert SECRET not in (seeded_db / "reg.xlsx").read_bytes().decode("latin-1")

    assert cli(capsys, "register", *may, "--format", "csv", "--out", "reg.csv")[0] == 0
    assert len((seeded_db / "reg.csv").read_text(encoding="utf-8-sig").splitlines()) == 6
    assert cli(capsys, "register", *may, "--format", "csv", "--rahasia", "--out", "r.csv")[0] == 0
    assert SECRET in (seeded_db / "r.csv").read_text(encoding="utf-8-sig")

    assert cli(capsys, "monthly", "--from", "2026-05", "--format", "png", "--out", "m.png")[0] == 0
    with Image.open(seeded_db / "m.png") as image:
        assert image.format == "PNG"
        assert image.size == (1080, 1620)

    assert (
        cli(capsys, "monthly", "--from", "2026-05", "--format", "docx", "--out", "m.docx")[0] == 0
    )
    text = "\n".join(p.text for p in Document(str(seeded_db / "m.docx")).paragraphs)
    assert "monitoring dan evaluasi" in text
    assert "Diterima: 5" in text

    assert cli(capsys, "annual", "--from", "2026", "--format", "xlsx", "--out", "a.xlsx")[0] == 0
    annual = load_workbook(seeded_db / "a.xlsx")
    assert "Per bulan" in annual.sheetnames
    months = {r[0]: r[1] for r in annual["Per bulan"].iter_rows(min_row=2, values_only=True)}
    assert months == {"2026-04": 1, "2026-05": 5}

    assert cli(capsys, "daily", "--from", "2026-05-05", "--format", "csv", "--out", "d.csv")[0] == 0
    assert (
        cli(capsys, "letter", "--number", "LAPOR-2026-000005", "--format", "pdf", "--out", "s.pdf")[
            0
        ]
        == 0
    )
    assert (seeded_db / "s.pdf").read_bytes().startswith(b"%PDF")
    assert (
        cli(
            capsys, "letter", "--number", "LAPOR-2026-000005", "--format", "docx", "--out", "s.docx"
        )[0]
        == 0
    )
    letter = "\n".join(p.text for p in Document(str(seeded_db / "s.docx")).paragraphs)
    assert "Bawa KK." in letter
    assert "LAPOR-2026-000005" in letter


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        (("--from", "2099-01"), "belum dimulai"),
        (("--from", "2026-05-31", "--to", "2026-05-01"), "sebelum tanggal awal"),
        (("--from", "31/05/2026"), "tidak terbaca"),
    ],
)
def test_a_bad_period_gets_a_clear_answer_with_an_example(
    seeded_db: Path, capsys: pytest.CaptureFixture[str], period: tuple[str, ...], problem: str
) -> None:
    code, _, err = cli(capsys, "register", *period, "--out", "x.xlsx")
    assert code == 2
    assert problem in err
    assert "--from 2026-11-01 --to 2026-11-30" in err
    assert not (seeded_db / "x.xlsx").exists()
