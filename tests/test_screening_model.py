"""The learned screen beside the lexicon (issue 13): the shipped model, training, office labels."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from bot.cli.screen import register
from bot.domain.screening import screen
from bot.domain.screening.decisions import LET_THROUGH, REJECTED, decision_label
from bot.domain.screening.learned import LABELS, MODEL_PATH, Model, load_model, model_text
from bot.domain.screening.screen import screen_lexicon
from bot.domain.vocabulary import Action
from bot.settings import Settings
from loopback import LoopbackBotApi
from storage.repo.screening_labels import ScreeningLabelsRepo
from tests.staff_kit import staff_world

ROOT = Path(__file__).resolve().parent.parent
MAX_MODEL_BYTES = 20 * 1024 * 1024


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


# -- the shipped model ------------------------------------------------------------------------


def test_the_model_and_its_training_data_are_tracked_so_a_fresh_clone_has_them() -> None:
    for path in (
        MODEL_PATH,
        ROOT / "corpus" / "screening" / "ibrohim2019_train.csv",
        ROOT / "corpus" / "screening" / "README.md",
        ROOT / "NOTICE",
    ):
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", str(path.relative_to(ROOT))],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        assert tracked.returncode == 0, f"{path} is not committed"
    assert MODEL_PATH.stat().st_size <= MAX_MODEL_BYTES


def test_the_shipped_model_carries_its_cross_validated_thresholds_and_attribution() -> None:
    model = Model.load(MODEL_PATH)
    assert model.labels == LABELS
    for label in LABELS:
        assert 0.0 < model.flag_at[label] <= model.block_at[label] < 1.0
    assert "Ibrohim" in model.meta["data"]
    assert model.meta["examples"]["tweets"] > 9000
    # Chosen jointly on the combined screen's out-of-fold scores, within the limits.
    figures = model.meta["cv_figures"]
    assert figures["clean flagged"] <= model.meta["clean_flag_limit"] + 0.005
    assert figures["strong caught"] >= 0.80
    assert model.meta["sara_markers"] is True


@pytest.mark.parametrize(
    "feature",
    ["", "a", " an", "anji", "anjin", " anjing ", "cina babi", "é", "жид", "😀 x", "ab\u0301c"],
)
def test_the_model_hashes_features_as_scikit_learn_s_hashing_vectorizer_does(feature: str) -> None:
    from sklearn.utils import murmurhash3_32 as sklearn_murmur

    from bot.domain.screening.learned import murmurhash3_32

    assert murmurhash3_32(feature) == int(sklearn_murmur(feature, seed=0))


def test_screening_in_a_fresh_process_loads_neither_scikit_learn_nor_scipy() -> None:
    code = (
        "import sys; from bot.domain.screening import screen; "
        "v = screen('dasar kafir kalian semua'); "
        "print(v.outcome, sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["block", "[]"]


def test_the_sara_weights_mix_the_sara_fit_with_the_hate_speech_fit() -> None:
    from bot.domain.screening import train

    # Hate speech of any kind (HS) is a fourth training target; SARA and strong hate count as it.
    examples = [
        train.Example("a", (1, 0, 0)),
        train.Example("b", (0, 0, 1)),
        train.Example("c", (0, 1, 0), hate=True),
        train.Example("d", (0, 1, 0)),
    ]
    assert train._targets(examples)[:, -1].tolist() == [1, 1, 1, 0]
    texts = ["kafir cina usir", "cina usir", "halo pagi", "jalan rusak", "kafir jahat", "pagi"]
    labels = [(1, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 1, 0), (0, 0, 0)]
    hate = [True, True, False, False, True, False]
    examples = [train.Example(t, y, hate=h) for t, y, h in zip(texts, labels, hate, strict=True)]
    counts, y, w = train._matrix(examples)
    _, coef, intercept = train._fit_all(counts, y, w)
    _, sara_only, sara_b = train._fit_all(counts, y[:, [0, 1, 2, 0]], w)
    _, hate_only, hate_b = train._fit_all(counts, y[:, [3, 1, 2, 3]], w)
    mix = train.SARA_HATE_MIX
    assert 0 < mix < 1
    expected = (1 - mix) * sara_only[0] + mix * hate_only[0]
    assert abs(coef[0] - expected).max() < 1e-5
    assert abs(intercept[0] - ((1 - mix) * sara_b[0] + mix * hate_b[0])) < 1e-5
    assert abs(coef[0] - sara_only[0]).max() > 1e-3  # the mix changes the weights


def test_the_normaliser_feeds_the_model() -> None:
    assert model_text("USER dasar anjiiiiing lu URL") == "dasar anjing lu"
    assert model_text("k0nt0l") == "kontol"


def test_sara_markers_say_a_people_is_named_and_whether_a_hostile_word_stands_beside_it() -> None:
    assert model_text("Usir cina dari sini", markers=True).split() == [
        "usir", "cina", "dari", "sini",
        "_sara_ethnicity_race", "_sara_hostile", "_sara_hostile_ethnicity_race",
    ]  # fmt: skip
    plain = model_text("Warga Tionghoa di Kupang mengeluhkan parkir liar", markers=True)
    assert plain.endswith("_sara_ethnicity_race")
    assert "_sara_hostile" not in plain
    assert model_text("Jalan rusak di depan kantor camat", markers=True) == (
        "jalan rusak di depan kantor camat"
    )


def _never_flags() -> Model:
    """Return the shipped model with flag thresholds no score reaches."""
    shipped = Model.load(MODEL_PATH)
    meta = {**shipped.meta, "flag": dict.fromkeys(LABELS, 1.01), "clear": {}}
    return Model(shipped.idf, shipped.coef, shipped.intercept, meta)


@pytest.mark.parametrize(
    "text",
    [
        "Berita hari ini soal aseng dan investasi asing di pelabuhan",
        "Film tadi malam ceritanya tentang orang yang mau bunuh naga",
        "Tadi pagi ada monyet lewat, lucu sekali",
    ],
)
def test_a_word_mostly_clean_in_real_text_is_left_to_the_model_when_plain(text: str) -> None:
    assert screen_lexicon(text).outcome == "flag"
    assert screen(text, model=_never_flags()).outcome == "ok"


def test_a_sara_word_next_to_a_verb_of_saying_is_left_to_the_model() -> None:
    # "bilang" frames talk about the word; "dihina dengan sebutan kafir" (below) someone called it.
    text = "Yang bilang banyak aseng di pelabuhan itu siapa, tolong dicek datanya"
    assert screen_lexicon(text).outcome == "flag"
    assert screen(text, model=_never_flags()).outcome == "ok"


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Dasar aseng, tanah kami diborong semua", "block"),
        ("Kami dihina dengan sebutan kafir oleh penceramah", "flag"),
        ("Petugas kelurahan bilang kami kafir, jadi tidak dilayani", "flag"),
        ('Anak saya dipanggil "monyet" oleh gurunya', "flag"),
        ("Orang Kristen kafir, tidak usah dilayani di kantor desa", "block"),
    ],
)
def test_a_deferred_word_aimed_quoted_or_next_to_a_people_counts_as_before(
    text: str, outcome: str
) -> None:
    assert screen_lexicon(text).outcome == outcome
    assert screen(text, model=_never_flags()).outcome == outcome


def test_the_model_flags_what_the_lexicon_lets_through_and_names_the_words() -> None:
    text = "Kaum pribumi harus bangkit lawan cina"
    assert screen_lexicon(text).outcome == "ok"
    verdict = screen(text)
    assert verdict.outcome == "flag"
    assert verdict.terms
    assert all(text[s:e].lower() in verdict.terms for s, e in verdict.spans)
    assert any("learned" in r for r in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Pejabat dinas PUPR tidak becus, jalan rusak dibiarkan bertahun-tahun, mana janjinya?",
        "Bupati dan DPRD cuma janji saat kampanye, sekarang rakyat dilupakan",
        "Babi warga mati mendadak, petugas peternakan tidak datang juga",
        "Anjing liar menggigit tiga anak di Oesapa, vaksin rabies kosong",
    ],
)
def test_harsh_criticism_and_farm_animals_stay_ok(text: str) -> None:
    assert screen(text).outcome == "ok"


def test_a_block_stays_the_lexicon_s() -> None:
    text = "Kaum pribumi harus bangkit lawan cina"
    model = load_model(MODEL_PATH)
    assert model is not None
    assert max(model.score(text).scores.values()) < 1.0
    assert screen(text).outcome != "block"


def test_cli_output_keeps_its_three_keys_with_the_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Kaum pribumi harus bangkit lawan cina\n"))
    args = _parse("screen")
    assert args.func(cast(Settings, None), args) == 0
    row = json.loads(capsys.readouterr().out)
    assert set(row) == {"verdict", "categories", "terms"}
    assert row["verdict"] == "flag"
    monkeypatch.setattr(sys, "stdin", io.StringIO("Kaum pribumi harus bangkit lawan cina\n"))
    args = _parse("screen", "--lexicon-only")
    assert args.func(cast(Settings, None), args) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "ok"


# -- staff decisions become labels ------------------------------------------------------------


def test_only_abuse_rejections_and_screened_reports_passed_on_teach() -> None:
    marks = {"screen_description": {"outcome": "flag", "categories": ["sara_group"], "terms": []}}
    rejected = decision_label(Action.REJECT, "abuse", "Judul", "isi", marks)
    assert rejected is not None
    assert (rejected.text, rejected.sara, rejected.abusive) == ("Judul isi", True, True)
    assert rejected.decision == REJECTED
    passed = decision_label(Action.DISPOSE, None, "Judul", "isi", marks)
    assert passed is not None
    assert (passed.sara, passed.abusive, passed.decision) == (False, False, LET_THROUGH)
    assert decision_label(Action.REJECT, "incomplete", "Judul", "isi", marks) is None
    assert decision_label(Action.DISPOSE, None, "Judul", "isi", None) is None


CODED = "Pegawai loket itu memang zorblaks, tiap hari zorblaks terus"


async def test_a_staff_rejection_becomes_a_label_and_changes_the_retrained_verdict(
    loopback: LoopbackBotApi, tmp_path: Path
) -> None:
    assert screen(CODED).outcome == "ok"
    async with staff_world(loopback, tmp_path) as w:
        report = await w.file(w.rudi, name="Rudi", title="Loket", description=CODED)
        await w.act(w.ani, report, "reject", choice="abuse")
        assert (await w.report(report)).stage == "rejected"
        labels = await ScreeningLabelsRepo(w.svc.repo.db).screening_labels()
        assert [(x.report_id, x.text, x.abusive, x.decision) for x in labels] == [
            (report.id, f"Loket {CODED}", True, REJECTED)
        ]
        staff = await w.svc.repo.staff_by_telegram(w.ani.id)
        assert staff is not None
        assert labels[0].staff_id == staff.id
        out = tmp_path / "model.npz"
        args = _parse(
            "screen", "train", "--with-decisions", "--limit", "800", "--folds", "3",
            "--out", str(out),
        )  # fmt: skip
        assert await asyncio.to_thread(args.func, w.runner.settings, args) == 0
    retrained = Model.load(out)
    assert retrained.meta["decisions"] == 1
    verdict = screen(CODED, model=retrained)
    assert verdict.outcome == "flag"
    assert "zorblaks" in verdict.terms
    assert screen(
        "Jalan di depan kantor camat rusak parah sejak Januari", model=retrained
    ).outcome == ("ok")


@pytest.mark.parametrize(
    "text",
    [
        'Sudah tiga kali saya dimaki "asu" oleh penjaga pintu puskesmas.',
        'Anak saya dipanggil "monyet" oleh gurunya karena berasal dari Papua. Ini rasis.',
        "Anjing, jalan depan rumah nggak pernah dibenerin",
    ],
)
def test_the_model_never_clears_a_quoted_insult_or_one_it_scores_as_abuse(text: str) -> None:
    assert screen_lexicon(text).outcome == "flag"
    assert screen(text).outcome == "flag"


def test_a_model_without_clear_thresholds_leaves_lexicon_flags_alone() -> None:
    shipped = Model.load(MODEL_PATH)
    meta = {k: v for k, v in shipped.meta.items() if k != "clear"}
    older = Model(shipped.idf, shipped.coef, shipped.intercept, meta)
    text = "Sialan, sudah antre dari subuh malah dibilang berkas kurang."
    assert screen(text, model=older).outcome == "flag"
    assert screen(text, learned=False).outcome == "flag"


def test_the_flag_thresholds_are_chosen_together_within_the_clean_flag_limit() -> None:
    import numpy as np

    from bot.domain.screening.train import CLEAN_FLAG_LIMIT, Example, Prepared, choose_flags

    rng = np.random.default_rng(13)
    clean, sara = 1000, 200
    examples = [Example("bersih", (0, 0, 0)) for _ in range(clean)]
    examples += [Example("sara", (1, 0, 0), hate=True) for _ in range(sara)]
    visible = rng.uniform(0.0, 0.6, size=(clean + sara, 3))
    visible[clean:, 0] = rng.uniform(0.45, 1.0, size=sara)  # SARA scores overlap clean ones
    n = clean + sara
    # A lexicon that already flags 2% of the clean texts leaves the model the rest of the budget.
    outcome = np.array(["flag" if i < clean * 0.02 else "ok" for i in range(n)])
    prepared = Prepared([], [], [], outcome, np.zeros(n, dtype=bool))
    flag, figures = choose_flags(
        examples, prepared, np.arange(n), visible, visible, dict.fromkeys(LABELS, 0.0)
    )
    over = np.any(visible >= np.array([flag[k] for k in LABELS]), axis=1)
    flagged = (outcome == "flag") | over
    assert figures["clean flagged"] == pytest.approx(flagged[:clean].mean())
    assert flagged[:clean].mean() <= CLEAN_FLAG_LIMIT
    assert figures["sara caught"] == pytest.approx(flagged[clean:].mean())
    # The budget goes to the label that finds SARA, not to the two that only find noise.
    assert flagged[:clean].mean() > 0.03
    assert figures["sara caught"] > 0.3
