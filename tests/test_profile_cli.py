"""`profile list|check|show`, called through a parser built with `bot.cli.profile.register`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.profile import register
from bot.domain.profile import PROFILES_DIR
from bot.settings import Settings

SHIPPED = (
    "nasional",
    "ntt-pbj",
    "tanatidung",
    "ntt-biro-organisasi",
    "pangkalpinang-bkpsdmd",
    "ntt-diskominfo",
)


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, profile: str | None = None
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["profile", *argv])
    settings = Settings(_env_file=None, aduan_profile=profile)
    code = args.func(settings, args)
    out, err = capsys.readouterr()
    return code, out, err


def show_json(capsys: pytest.CaptureFixture[str], name: str) -> dict[str, Any]:
    code, out, err = run(capsys, "show", name, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_list_names_every_profile_with_prefix_and_timezone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(rows) == set(SHIPPED)
    assert "NKKPGK" in rows["pangkalpinang-bkpsdmd"]
    assert "Asia/Jakarta (WIB)" in rows["pangkalpinang-bkpsdmd"]
    assert "Asia/Makassar (WITA)" in rows["tanatidung"]
    assert "Biro Pengadaan Barang dan Jasa" in rows["ntt-pbj"]


@pytest.mark.parametrize("name", SHIPPED)
def test_check_accepts_every_shipped_profile(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, "check", name)
    assert (code, err) == (0, "")
    assert f"{name}.toml: ok" in out


def test_check_without_a_name_uses_the_configured_profile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "check", profile="tanatidung")
    assert code == 0
    assert "tanatidung.toml: ok" in out
    assert "KTT" in out
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "nasional.toml: ok" in out


def test_check_a_broken_profile_names_file_key_and_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (PROFILES_DIR / "ntt-biro-organisasi.toml").read_text(encoding="utf-8")
    text = text.replace('unit = "minutes"', 'unit = "weeks"', 1)
    text = text.replace('prefix = "ORGNTT"', 'prefix = "org ntt"')
    broken = tmp_path / "rusak.toml"
    broken.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "check", str(broken))
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(str(broken)) or "rusak.toml: " in line for line in lines)
    assert any("prefix: must be 2 to 8 upper-case letters or digits" in line for line in lines)
    assert any(
        'end_to_end.channels.tatap_muka.unit: must be one of minutes, hours, days (got "weeks")'
        in line
        for line in lines
    )


def test_check_an_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", "tidak-ada")
    assert code == 1
    assert 'unknown profile "tidak-ada"' in err
    assert "ntt-pbj" in err


def test_list_marks_a_broken_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "baik.toml").write_text(
        (PROFILES_DIR / "nasional.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "rusak.toml").write_text('prefix = "X"\n', encoding="utf-8")
    code, out, _ = run(capsys, "list", "--dir", str(tmp_path))
    assert code == 1
    assert "baik" in out
    assert "LAPOR" in out
    assert "rusak" in out
    assert "INVALID" in out


@pytest.mark.parametrize("name", SHIPPED)
def test_show_json_resolves_every_shipped_profile(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    data = show_json(capsys, name)
    assert data["name"] == name
    assert data["timezone_abbreviation"] in {"WIB", "WITA", "WIT"}
    stages = {s["stage"]: s for s in data["stages"]}
    assert set(stages) >= {"submitted", "disposed", "in_progress", "awaiting_approval"}
    for entry in data["stages"]:
        if entry["service_level"] is not None:
            assert entry["service_level"]["text"]["id"]
    assert set(data["end_to_end"]["channels"]) == {c["code"] for c in data["channels"]}
    assert set(data["roles"]) == {"operator", "liaison", "supervisor", "viewer"}
    for action, roles in data["permissions"].items():
        for role in roles:
            assert action in data["roles"][role]["may"]
    assert data["holidays"]["national_sources"][0]["year"] == 2026
    assert isinstance(data["units"], list)
    assert isinstance(data["categories"], list)


def test_show_json_seed_001_stages_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    data = show_json(capsys, "tanatidung")
    # Row 1 (the SP4N application, 1-3 hari) is the submission itself; rows 2 and 3 have clocks.
    words = {
        s["stage"]: s["service_level"]["text"]["id"] for s in data["stages"] if s["service_level"]
    }
    assert words == {
        "submitted": "5 hari kerja (pengingat setelah 3 hari kerja)",
        "in_progress": "10 hari kerja (pengingat setelah 5 hari kerja)",
    }
    kinds = {u["kind"] for u in data["units"]}
    assert kinds == {"opd", "rs", "puskesmas", "sekolah", "kecamatan", "desa"}
    assert len(data["outputs"]) == 5


def test_show_json_seed_002_channels_and_approvals(capsys: pytest.CaptureFixture[str]) -> None:
    data = show_json(capsys, "ntt-biro-organisasi")
    e2e = {c: v["text"]["id"] for c, v in data["end_to_end"]["channels"].items()}
    assert e2e["tatap_muka"].startswith("15 menit jam kerja")
    assert e2e["kotak_saran"].startswith("7 hari kerja")
    assert e2e["surat"].startswith("7 hari kerja")
    assert e2e["lapor"].startswith("8 hari kerja")
    assert [a["role"] for a in data["steps"]["approval_levels"]] == ["supervisor", "supervisor"]
    assert data["permissions"]["dispose"] == ["supervisor"]
    assert "approve" in data["roles"]["supervisor"]["may"]


def test_show_json_seed_003_main_team_triages(capsys: pytest.CaptureFixture[str]) -> None:
    data = show_json(capsys, "pangkalpinang-bkpsdmd")
    assert "dispose" in data["roles"]["supervisor"]["may"]
    assert "dispose" not in data["roles"]["operator"]["may"]
    assert "answer_info" in data["roles"]["operator"]["may"]
    stages = {s["stage"]: s for s in data["stages"]}
    assert stages["submitted"]["service_level"]["amount"] == 120
    assert stages["disposed"]["used"] is False
    assert "accept" in data["unused_actions"]
    codes = {c["code"]: [s["code"] for s in c["subcategories"]] for c in data["categories"]}
    assert "etika" not in codes
    assert len(codes["kode-etik"]) == 5


def test_show_json_seed_000_and_004(capsys: pytest.CaptureFixture[str]) -> None:
    pbj = show_json(capsys, "ntt-pbj")
    assert pbj["outputs"][0]["name"]["id"] == "Laporan Gratifikasi dan WBK"
    assert pbj["roles"]["operator"]["name"]["id"] == "Ketua"
    assert pbj["roles"]["supervisor"]["name"]["id"] == "Atasan"
    assert pbj["stages"][0]["service_level"]["tentative"] is True
    kominfo = show_json(capsys, "ntt-diskominfo")
    assert len(kominfo["prerequisites"]) == 4
    assert kominfo["identity"]["privacy_first"] is True


@pytest.mark.parametrize("name", SHIPPED)
def test_show_text(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, _ = run(capsys, "show", name)
    assert code == 0
    assert out.splitlines()[0].endswith(")")
    assert "stages:" in out
    assert "roles:" in out
    assert "end to end:" in out
