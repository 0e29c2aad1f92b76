"""A profile's own screening word list (issue 13): the office adds and removes words.

`[screening] words = "kata.toml"` in a profile names a word list beside it; the loader reads it
with the profile and the combined screen (lexicon and model) applies it in the report intake.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.profile import ProfileError, load_profile
from bot.domain.screening import screen
from bot.domain.screening.office import office_lexicon
from loopback import LoopbackBotApi
from tests.citizen import Citizen
from tests.harness import BotRunner, make_settings
from tests.test_report_conversation import walk_to_title

ROOT = Path(__file__).resolve().parent.parent
WORDS = """\
# This office hears "bangsat" as a bedbug more than a curse; "kunyukan" is its own to block.
remove = ["bangsat"]

[[add]]
term = "zorblaks"
category = "insult"
severity = "flag"
explanation = "makian setempat (daftar kantor)"

[[add]]
term = "kunyukan"
category = "insult"
severity = "block"
explanation = "hinaan setempat"
"""
REMOVED = "Bangsat, sudah antre dari subuh malah dibilang berkas kurang."
CODED = "Pegawai loket itu memang zorblaks, tiap hari begitu terus kalau kami datang"


def _profile(tmp_path: Path, words: str = WORDS, key: str = 'words = "kata.toml"') -> Path:
    """Write the national profile with a [screening] table, and the word list beside it."""
    base = (ROOT / "profiles" / "nasional.toml").read_text(encoding="utf-8")
    path = tmp_path / "kantor.toml"
    path.write_text(f"{base}\n[screening]\n{key}\n", encoding="utf-8")
    (tmp_path / "kata.toml").write_text(words, encoding="utf-8")
    return path


def test_the_word_list_loads_with_the_profile_relative_to_it(tmp_path: Path) -> None:
    profile = load_profile(str(_profile(tmp_path)))
    assert profile.screening.remove == ("bangsat",)
    assert [(w.term, w.severity) for w in profile.screening.add] == [
        ("zorblaks", "flag"),
        ("kunyukan", "block"),
    ]


def test_a_word_the_office_removes_no_longer_flags(tmp_path: Path) -> None:
    lexicon = office_lexicon(load_profile(str(_profile(tmp_path))))
    assert screen(REMOVED).outcome == "block"
    verdict = screen(REMOVED, lexicon=lexicon)
    assert verdict.outcome == "ok", verdict.reasons
    assert screen(REMOVED, lexicon=lexicon, learned=False).outcome == "ok"


def test_a_word_the_office_adds_flags_with_its_explanation(tmp_path: Path) -> None:
    lexicon = office_lexicon(load_profile(str(_profile(tmp_path))))
    assert screen(CODED).outcome == "ok"
    verdict = screen(CODED, lexicon=lexicon)
    assert verdict.outcome == "flag"
    assert verdict.terms == ("zorblaks",)
    assert verdict.reasons == ("zorblaks: makian setempat (daftar kantor)",)
    start, end = verdict.spans[0]
    assert CODED[start:end] == "zorblaks"


def test_a_profile_without_a_word_list_screens_with_the_bundled_lexicon() -> None:
    profile = load_profile("nasional")
    assert profile.screening.words is None
    assert screen(REMOVED, lexicon=office_lexicon(profile)).outcome == "block"


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        ("remove = ['a']\nadd_words = []\n", "add_words: unknown key; allowed: add, remove"),
        (
            "[[add]]\nterm = 'x'\ncategory = 'rude'\n",
            "add[0].category: must be one of profanity, insult",
        ),
        ("remove = ['zorblaks']\n[[add]]\nterm = 'zorblaks'\ncategory = 'insult'\n", "also in"),
        ("remove = [\n", "invalid TOML"),
    ],
)
def test_a_bad_word_list_names_its_file_and_the_key(
    tmp_path: Path, words: str, problem: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(str(_profile(tmp_path, words)))
    assert caught.value.file.endswith("kata.toml")
    assert problem in str(caught.value)


def test_a_missing_word_list_is_named(tmp_path: Path) -> None:
    path = _profile(tmp_path, key='words = "tidak-ada.toml"')
    with pytest.raises(ProfileError, match=r"tidak-ada\.toml.*cannot read the word list"):
        load_profile(str(path))


async def test_the_citizen_is_asked_to_rephrase_a_word_the_office_blocks(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    settings = make_settings(loopback, tmp_path, aduan_profile=str(_profile(tmp_path)))
    runner = BotRunner(settings, loopback=loopback)
    await runner.start()
    try:
        citizen = Citizen(loopback, loopback.add_user("Maria"))
        await walk_to_title(citizen)
        shown = await citizen.says("Petugas kunyukan di loket")
        assert "tidak pantas" in shown
        assert "kunyukan" in shown
        # The word the office removed passes as a title with nothing to say.
        assert "Ceritakan masalahnya" in await citizen.says("Bangsat, jalan rusak lagi")
    finally:
        await runner.stop()
