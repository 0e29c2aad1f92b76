"""Screening a report before it is filed: abuse, SARA, threats (issue 6, text part)."""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest

from bot.cli.screen import register
from bot.domain.screening import (
    HINT_SHOUTING,
    HINT_TOO_SHORT,
    Lexicon,
    LexiconError,
    LexiconOverride,
    hints,
    mask,
    screen,
)
from bot.domain.screening.normalize import squeeze, stems, tokenize
from bot.domain.screening.screen import screen_lexicon
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


# -- dodges of the filter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("dasar anjiiiiing lu", "anjing"),  # letters repeated
        ("pegawainya goblokkkk", "goblok"),
        ("dasar ANJING lu", "anjing"),  # case
        ("k0nt0l", "kontol"),  # digits for letters
        ("dasar b4b1 lu", "babi"),
        ("dasar @su lu", "asu"),
        ("t0l0l", "tolol"),
        ("b4ng$at", "bangsat"),
        ("dasar a n j i n g", "anjing"),  # spaced out
        ("dasar a.n.j.i.n.g", "anjing"),  # dots
        ("pejabat b-a-b-i", "babi"),  # dashes
        ("kon-tol", "kontol"),  # glued halves
        ("dasar anj*ng", "anjing"),  # a star for a hidden letter
        ("dasar b*ngsat", "bangsat"),
        ("ajg lu", "anjing"),  # slang spellings
        ("bgst", "bangsat"),
        ("kntl", "kontol"),
        ("gblk lu", "goblok"),
        ("jancok", "jancuk"),
        ("kontolnya", "kontol"),  # suffixes
        ("bangsatlah", "bangsat"),
        ("digoblokin terus sama petugas", "goblok"),  # prefix + suffix on a verb-like insult
        ("ngentot", "ngentot"),
        ("dasar \u0430njing lu", "anjing"),  # a Cyrillic a
    ],
)
def test_each_dodge_of_the_filter_is_undone(text: str, term: str) -> None:
    verdict = screen(text)
    assert verdict.outcome != "ok", verdict
    assert term in verdict.terms


def test_reduplication_finds_both_halves() -> None:
    verdict = screen("pejabat babi-babi semua")
    assert verdict.outcome == "block"
    assert verdict.terms == ("babi",)
    assert len(verdict.spans) == 2


def test_normaliser_keeps_original_positions() -> None:
    text = "ini a.n.j.i.n.g sekali"
    word = next(t for t in tokenize(text) if t.text == "anjing")
    assert text[word.start : word.end] == "a.n.j.i.n.g"
    assert squeeze("anjiiiing") == "anjing"
    assert any(s.stem == "kontol" and s.suffixes == ("nya",) for s in stems("kontolnya"))


def test_numbers_on_their_own_stay_numbers() -> None:
    assert [t.text for t in tokenize("tahun 2024, 150 orang")] == ["tahun", "2024", "150", "orang"]
    assert screen("bayar Rp 5000 di loket 7, antre 40 orang").outcome == "ok"


# -- ordinary words that contain a bad word ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Pantai Lasiana kotor, tidak ada petugas kebersihan",
        "Warga ingin santai di taman kota",
        "Klaim asuransi pertanian kami ditolak",
        "Masuk kantor harus lewat tangga rusak",
        "Kontrakan kami digusur tanpa pemberitahuan",
        "Kontrol kualitas proyek drainase tidak ada",
        "Bangsal kelas tiga di RSUD sangat panas",
        "Babinsa sudah kami lapori soal sengketa tanah",
        "Harga petai dan pinang jatuh",
        "Satpol PP membongkar lapak secara membabi buta",
        "Kami warga kecil dibodohi terus oleh janji pemilu",
        "Kasus pembunuhan tiga bulan lalu belum diusut",
        "Kebakaran pasar merugikan ratusan pedagang",
        "Pemilik toko di kawasan Pecinan diminta setoran preman",
        "Ada tahi lalat besar di foto KTP saya, katanya harus foto ulang",
        "Warga bakar sampah di lahan kosong samping SD",
        "Ada orang gila berkeliaran di pasar",
        "Tukang sampah minta iuran tambahan",
        "Kasus asusila oknum guru belum ditindak",
        "Saluran air di Jalan Kasuari tersumbat",
        "Alat berat bego parkir di bahu jalan berminggu-minggu",
    ],
)
def test_ordinary_words_that_contain_a_bad_word_pass(text: str) -> None:
    assert screen(text).outcome == "ok"


# -- words that are insults only in some uses -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Anjing liar berkeliaran di sekitar sekolah",
        "Anak saya kena gigitan anjing, vaksin rabies kosong",
        "Anak saya digigit anjing tetangga",
        "Bau limbah peternakan babi sangat menyengat",
        "Harga daging babi naik terus",
        "Flu babi dulu juga begini",
        "Babi warga mati mendadak, kami curiga demam babi Afrika",
        "Kasus ASF merebak, babi-babi peternak mati",
        "Babi hutan merusak kebun jagung warga",
        "Monyet liar masuk kebun warga",
        "Warga Tionghoa mengeluhkan parkir liar",
        "Masyarakat suku Sabu butuh air bersih",
        "Umat Kristen kesulitan izin renovasi gereja",
        "Jalan menuju masjid rusak dan gelap",
        "Orang Rote yang merantau kesulitan pindah domisili",
        "Pasar di Sabu kotor dan becek",
        "Jalan di Kupang sangat kotor setelah pawai",
        "Orang Cina di pasar itu jual beras murah",
    ],
)
def test_plain_uses_of_animal_words_and_names_of_peoples_are_never_blocked(text: str) -> None:
    assert screen(text).outcome == "ok"


@pytest.mark.parametrize(
    "text",
    [
        "dasar anjing lu",
        "camat anjing tidak pernah di kantor",
        "Pejabat babi, kerjanya korupsi",
        "Guru itu bego banget",
        "anjing lu pada, air mati seminggu",
    ],
)
def test_the_same_words_aimed_at_people_are_blocked(text: str) -> None:
    assert screen(text).outcome == "block"


def test_an_animal_word_with_no_context_is_only_flagged() -> None:
    verdict = screen("Anjing, jalan depan rumah nggak pernah dibenerin")
    assert verdict.outcome == "flag"
    assert verdict.categories == ("insult",)


# -- quoted and reported insults --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'Petugas itu memaki saya "anjing" di depan orang banyak',
        "dia bilang 'goblok' ke ibu saya",
        "Saya dikatai goblok oleh pegawai Dukcapil",
        "Kepala desa bilang \u201cdasar kalian babi\u201d saat rapat",
        "Supir angkot teriak woi bangsat ke penumpang lansia",
        "'Kalian anjing semua', begitu kata kepala dusun",
        'Kadus itu mengancam "saya bunuh kau kalau lapor"',
        'Ada komentar di halaman pemkab "cina babi usir saja"',
        "Dia dikatain banci oleh petugas",
    ],
)
def test_a_complaint_that_quotes_an_insult_is_flagged_not_blocked(text: str) -> None:
    assert screen(text).outcome == "flag"


def test_saying_it_yourself_is_not_reporting_it() -> None:
    assert screen("saya bilang kalian bajingan semua").outcome == "block"


def test_a_connector_frames_reported_speech_only_right_before_the_word() -> None:
    # "dengan", "seperti", "pakai": "menyambut warga dengan bangsat" reports the word; a few
    # words away they are only a preposition ("warga dengan kaki cacat" names a disability).
    assert screen_lexicon("Kepala desa menyambut warga dengan bangsat").outcome == "flag"
    text = "Trotoar tidak bisa dilalui warga dengan kaki cacat karena ada tangga tinggi"
    assert screen_lexicon(text).outcome == "ok"


# -- abuse, SARA and threats ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Kalian semua bajingan", "insult"),
        ("Ngentot, jalan rusak", "profanity"),
        ("Usir saja semua orang Cina dari kota ini", "sara_ethnicity_race"),
        ("Kristen anjing, jangan bangun gereja", "sara_religion"),
        ("Kafir harus diusir dari desa ini", "sara_religion"),
        ("Orang Flores pencuri semua", "sara_ethnicity_race"),
        ("Pendatang itu benalu", "sara_group"),
        ("Saya akan bunuh kepala desa itu", "threat"),
        ("Kalau air masih mati, saya bakar kantor PDAM", "threat"),
        ("Bunuh saja camat itu", "threat"),
        ("Kalian akan dibunuh satu per satu", "threat"),
        ("Bakar gereja mereka", "sara_religion"),
        ("Halal darahnya pejabat itu", "threat"),
    ],
)
def test_abuse_sara_and_threats_are_blocked(text: str, category: str) -> None:
    verdict = screen(text)
    assert verdict.outcome == "block"
    assert category in verdict.categories


@pytest.mark.parametrize(
    "text",
    [
        "Rumah warga dibakar massa, pelaku belum ditangkap",
        "Polisi menembak mati pelaku curanmor",
        "Warga dibacok orang tak dikenal dekat terminal",
        "Kami diusir dari lapak pasar tanpa surat resmi",
        "Saya akan bakar sampah di belakang rumah saja",
    ],
)
def test_reports_of_violence_are_not_threats(text: str) -> None:
    assert screen(text).outcome == "ok"


@pytest.mark.parametrize(
    "text",
    [
        "PARAH BANGET pelayanannya, sudah datang tiga kali!!!",
        "kecewa berat sama pelayanan samsat, calo dimana-mana",
        "AIR PDAM MATI LAGI!!! TIGA HARI BERTURUT-TURUT",
        "beta su lapor ke desa, dong bilang tunggu saja",
        "Kurang ajar sekali sikap petugas loket itu",
    ],
)
def test_angry_or_informal_complaints_pass(text: str) -> None:
    assert screen(text).outcome == "ok"


def test_mild_swearing_is_flagged() -> None:
    verdict = screen("Anjir, air PDAM mati lagi hari ini")
    assert verdict.outcome == "flag"
    assert verdict.terms == ("anjir",)


# -- verdict, masking, hints ------------------------------------------------------------------


def test_spans_point_into_the_original_text_and_mask_keeps_first_and_last_letter() -> None:
    text = "Dasar ANJIIING, kalian k0nt0l semua"
    verdict = screen(text)
    assert verdict.outcome == "block"
    assert [text[s:e] for s, e in verdict.spans] == ["ANJIIING", "k0nt0l"]
    assert mask(text, verdict) == "Dasar A******G, kalian k****l semua"
    assert verdict.blocked_spans == verdict.spans


def test_mask_handles_spaced_and_short_words() -> None:
    text = "dasar a n j i n g, tai lu"
    verdict = screen(text)
    assert mask(text, verdict) == "dasar a * * * * g, t*i lu"


def test_mask_leaves_an_ok_text_alone() -> None:
    text = "Jalan rusak parah"
    assert mask(text, screen(text)) == text


def test_verdict_is_frozen() -> None:
    verdict = screen("dasar anjing lu")
    with pytest.raises(AttributeError):
        verdict.outcome = "ok"  # type: ignore[misc]


def test_hints_for_shouting_and_very_short_texts() -> None:
    assert hints("JALAN RUSAK PARAH SEKALI TOLONG DIPERBAIKI SEGERA") == [HINT_SHOUTING]
    assert hints("jalan rusak") == [HINT_TOO_SHORT]
    assert hints("Jalan di depan SD Inpres rusak parah sejak Januari, mohon diperbaiki.") == []


# -- supervisors' overrides -------------------------------------------------------------------


def test_override_adds_a_new_term() -> None:
    base = Lexicon.load()
    assert screen("dasar kunyit", lexicon=base, learned=False).outcome == "ok"
    lexicon = Lexicon.load(overrides=[LexiconOverride("kunyit", "insult", "block")])
    verdict = screen("dasar kuny1iit", lexicon=lexicon)
    assert verdict.outcome == "block"
    assert verdict.terms == ("kunyit",)


def test_override_removes_a_term_and_a_variant() -> None:
    lexicon = Lexicon.load(
        overrides=[
            LexiconOverride("bangsat", action="remove"),
            LexiconOverride("gblk", action="remove"),
        ]
    )
    assert screen("bangsat", lexicon=lexicon).outcome == "ok"
    assert screen("gblk", lexicon=lexicon).outcome == "ok"
    assert screen("goblok", lexicon=lexicon).outcome == "block"


def test_override_changes_severity_and_applies_in_order() -> None:
    lexicon = Lexicon.load(
        overrides=[
            LexiconOverride("goblok", severity="flag"),
            LexiconOverride("sialan", severity="block"),
            LexiconOverride("sialan", severity="flag"),
        ]
    )
    assert screen("goblok", lexicon=lexicon).outcome == "flag"
    assert screen("sialan", lexicon=lexicon).outcome == "flag"


def test_override_removes_a_group_name() -> None:
    lexicon = Lexicon.load(overrides=[LexiconOverride("pendatang", action="remove")])
    assert screen("Pendatang itu benalu", lexicon=lexicon).outcome == "ok"


def test_invalid_overrides_are_refused_with_the_term_named() -> None:
    with pytest.raises(LexiconError, match="kunyit"):
        LexiconOverride("kunyit", cast("object", "rude"), "block")  # type: ignore[arg-type]
    with pytest.raises(LexiconError, match="needs a category"):
        Lexicon.load(overrides=[LexiconOverride("kunyit")])
    with pytest.raises(LexiconError, match="no letters"):
        LexiconOverride("!!!")


def test_a_broken_lexicon_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.toml"
    bad.write_text('[[terms]]\nterm = "x"\ncategory = "rude"\nseverity = "block"\n')
    with pytest.raises(LexiconError, match=r"lexicon\.toml.*rude"):
        Lexicon.load(bad)


# -- the command line -------------------------------------------------------------------------


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_prints_one_json_verdict_per_input_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["Jalan rusak parah sejak Januari", "dasar anjing lu", "", "Anjir, air mati lagi"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    args = _parse("screen")
    assert args.func(cast(Settings, None), args) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["verdict"] for row in rows] == ["ok", "block", "ok", "flag"]
    assert rows[1] == {"verdict": "block", "categories": ["insult"], "terms": ["anjing"]}
    assert set(rows[0]) == {"verdict", "categories", "terms"}


def test_cli_details_and_custom_lexicon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[[terms]]\nterm = "kunyit"\ncategory = "insult"\nseverity = "flag"\n')
    monkeypatch.setattr(sys, "stdin", io.StringIO("ada kunyit di sini\n"))
    args = _parse("screen", "--lexicon", str(lexicon), "--details")
    assert args.func(cast(Settings, None), args) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["verdict"] == "flag"
    assert row["spans"] == [[4, 10]]
    assert row["reasons"]


# -- the labelled set -------------------------------------------------------------------------


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "screening_eval", ROOT / "bench" / "screening_eval.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# Recall floor: the set measures 0.99 today (0.95 on the held-out file, written after tuning).
# 0.85 leaves room for lexicon edits that trade a few flags for fewer false alarms, and still
# fails on a real regression: losing one normalisation step (digits, spacing, slang or affixes)
# or the SARA rules drops recall below it.
RECALL_FLOOR = 0.85
PRECISION_FLOOR = 0.90


def test_labelled_set_blocks_under_two_percent_of_legitimate_texts_and_keeps_recall() -> None:
    bench = _bench()
    examples = bench.load()
    assert len(examples) >= 400
    report = bench.evaluate(examples)
    assert report.block_rate_legit < 0.02
    assert report.recall >= RECALL_FLOOR
    assert report.precision >= PRECISION_FLOOR


def test_held_out_set_blocks_no_legitimate_text() -> None:
    bench = _bench()
    report = bench.evaluate(bench.load(ROOT / "bench" / "data" / "screening_holdout.tsv"))
    assert report.block_rate_legit < 0.02
    assert report.recall >= RECALL_FLOOR
