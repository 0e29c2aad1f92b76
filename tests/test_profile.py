"""SOP profiles: the national profile, the schema's rules and the loader's error messages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.domain.profile import (
    PROFILES_DIR,
    Permissions,
    Profile,
    ProfileError,
    ServiceLevel,
    Text,
    list_profiles,
    load_profile,
    parse_profile,
)
from bot.domain.profile.loader import key_path
from bot.domain.vocabulary import (
    OPEN_STAGES,
    REPORTER_ACTIONS,
    STAFF_ACTIONS,
    TERMINAL_STAGES,
    Action,
    Channel,
    ReportType,
    Role,
    Stage,
)

# A minimal valid profile, as top-level TOML keys; cases replace keys or append tables.
BASE: dict[str, str] = {
    "name": '{ id = "Kantor Uji", en = "Test office" }',
    "short_name": '"Uji"',
    "prefix": '"UJI"',
    "source": '"test"',
    "channels": '[{ code = "telegram", name = "Telegram" }]',
    "report_types": '[{ code = "pengaduan", name = "Pengaduan", description = "Keluhan" }]',
    "limits": (
        '{ needs_info_close_after = { amount = 10, unit = "days" },'
        ' answered_close_after = { amount = 10, unit = "days" },'
        ' dispute_within = { amount = 10, unit = "days" },'
        ' escalate_after_breach = { amount = 1, unit = "days" } }'
    ),
}


def toml_text(top: Mapping[str, str | None] | None = None, tables: str = "") -> str:
    """Return BASE with top-level keys replaced (None drops one) and tables appended."""
    merged: dict[str, str | None] = {**BASE, **(top or {})}
    lines = [f"{key} = {value}" for key, value in merged.items() if value is not None]
    return "\n".join(lines) + "\n" + tables


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    error = info.value
    assert error.file.endswith(path.name)
    lines = str(error).splitlines()
    assert all(line.startswith(f"{error.file}: ") for line in lines)
    return error.problems


# --- the national profile --------------------------------------------------------------------


@pytest.fixture(scope="module")
def nasional() -> Profile:
    return load_profile(None)


def test_default_is_national(nasional: Profile) -> None:
    assert load_profile("nasional") == nasional
    assert load_profile(str(PROFILES_DIR / "nasional.toml")) == nasional
    assert nasional.prefix == "LAPOR"
    assert nasional.office_name("id") == "Layanan Pengaduan SP4N-LAPOR!"
    assert nasional.office_name("en") == "SP4N-LAPOR! complaint service"


def test_national_numbers(nasional: Profile) -> None:
    submitted = nasional.service_level(Stage.SUBMITTED)
    assert submitted is not None
    assert (submitted.amount, submitted.unit, submitted.calendar) == (3, "days", False)
    disposed = nasional.service_level(Stage.DISPOSED)
    assert disposed is not None
    assert (disposed.amount, disposed.unit) == (5, "days")
    assert nasional.service_level(Stage.IN_PROGRESS) is None
    assert nasional.service_level(Stage.NEEDS_INFO) is None
    assert nasional.service_level(Stage.CLOSED) is None
    closes = nasional.limits.needs_info_close_after
    assert (closes.amount, closes.unit, closes.calendar) == (10, "days", False)
    end_to_end = nasional.end_to_end_for(Channel.TELEGRAM)
    assert end_to_end is not None
    assert (end_to_end.amount, end_to_end.unit) == (60, "days")


def test_national_office_and_privacy(nasional: Profile) -> None:
    assert str(nasional.zone) == "Asia/Jakarta"
    assert nasional.working_days == (1, 2, 3, 4, 5)
    assert (nasional.office_hours.start, nasional.office_hours.end) == (time(8), time(16))
    assert nasional.holidays.use_national
    assert nasional.identity.allow_anonymous
    assert nasional.identity.allow_confidential
    assert "name" in nasional.identity.required_fields
    assert [p.code for p in nasional.prerequisites] == [
        "relevan",
        "bahasa",
        "bukan_sara",
        "bukan_ulang",
    ]
    assert {t.code for t in nasional.report_types} == set(ReportType)
    assert nasional.channel(Channel.TELEGRAM) is not None
    assert nasional.role_name(Role.OPERATOR, "id") == "Admin SP4N-LAPOR!"
    assert nasional.role_name(Role.OPERATOR, "en") == "SP4N-LAPOR! admin"
    assert "rsud" in nasional.unit_codes
    layanan = nasional.category("layanan")
    assert layanan is not None
    assert layanan.subcategory("adminduk") is not None
    assert nasional.category("nope") is None
    assert nasional.automatic_steps


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.OPERATOR, Action.DISPOSE, True),
        (Role.LIAISON, Action.DISPOSE, False),
        (Role.LIAISON, Action.ACCEPT, True),
        (Role.LIAISON, Action.RETURN_TO_TRIAGE, True),
        (Role.LIAISON, Action.ANSWER, True),
        (Role.OPERATOR, Action.ANSWER_INFO, True),
        (Role.SUPERVISOR, Action.EXTEND, True),
        (Role.OPERATOR, Action.EXTEND, False),
        (Role.VIEWER, Action.NOTE, False),
        # no approval levels in the national profile: nobody approves
        (Role.SUPERVISOR, Action.APPROVE, False),
        (Role.SUPERVISOR, Action.SEND_BACK, False),
        # the reporter's own actions are no staff role's
        (Role.SUPERVISOR, Action.SUBMIT, False),
        (Role.OPERATOR, Action.WITHDRAW, False),
    ],
)
def test_may(nasional: Profile, role: Role, action: Action, allowed: bool) -> None:
    assert nasional.may(role, action) is allowed


def test_optional_steps_switch_actions_off(tmp_path: Path) -> None:
    tables = (
        "[steps]\nreclassify = false\napproval_levels = []\nliaison_accept = false\n"
        "answer_info_directly = false\n"
        "[permissions]\nreclassify = []\naccept = []\nanswer_info = []\napprove = []\n"
        "send_back = []\n"
    )
    profile = load_profile(str(write(tmp_path, toml_text(tables=tables), "off.toml")))
    for action in (Action.RECLASSIFY, Action.ACCEPT, Action.ANSWER_INFO, Action.APPROVE):
        assert not any(profile.may(role, action) for role in Role)
    assert profile.may(Role.OPERATOR, Action.DISPOSE)


def test_approval_levels_and_permission_overrides(tmp_path: Path) -> None:
    tables = (
        '[steps]\napproval_levels = ["supervisor", "supervisor"]\n'
        '[permissions]\ndispose = ["supervisor"]\n'
    )
    profile = load_profile(str(write(tmp_path, toml_text(tables=tables), "seed003.toml")))
    assert profile.may(Role.SUPERVISOR, Action.APPROVE)
    assert profile.may(Role.SUPERVISOR, Action.DISPOSE)
    assert not profile.may(Role.OPERATOR, Action.DISPOSE)  # replaced, not merged
    assert profile.may(Role.OPERATOR, Action.REJECT)  # untouched keys keep their defaults


def test_end_to_end_per_channel(tmp_path: Path) -> None:
    top = {
        "channels": '[{ code = "telegram", name = "Telegram" }, '
        '{ code = "tatap_muka", name = "Tatap muka", identity_required = true }]'
    }
    tables = (
        '[end_to_end.default]\namount = 8\nunit = "days"\n'
        '[end_to_end.channels.tatap_muka]\namount = 15\nunit = "minutes"\n'
    )
    profile = load_profile(str(write(tmp_path, toml_text(top, tables), "seed002.toml")))
    assert profile.end_to_end_for(Channel.TATAP_MUKA) == ServiceLevel(amount=15, unit="minutes")
    assert profile.end_to_end_for(Channel.TELEGRAM) == ServiceLevel(amount=8, unit="days")
    face = profile.channel(Channel.TATAP_MUKA)
    assert face is not None
    assert face.identity_required


def test_profile_is_frozen(nasional: Profile) -> None:
    with pytest.raises(ValidationError):
        nasional.prefix = "X"  # type: ignore[misc]


# --- broken profiles: each error names the file, the key and the problem ---------------------

DAYS_3 = 'amount = 3\nunit = "days"\n'
BROKEN: list[tuple[str, dict[str, str | None], str, str]] = [
    (
        "unit-not-allowed",
        {},
        '[service_levels.disposed]\namount = 3\nunit = "weeks"\n',
        'service_levels.disposed.unit: must be one of minutes, hours, days (got "weeks")',
    ),
    (
        "amount-zero",
        {},
        '[service_levels.submitted]\namount = 0\nunit = "days"\n',
        "service_levels.submitted.amount: must be greater than 0 (got 0)",
    ),
    (
        "amount-not-whole",
        {},
        '[service_levels.submitted]\namount = 2.5\nunit = "days"\n',
        "service_levels.submitted.amount: must be a whole number (got 2.5)",
    ),
    (
        "warn-after-due",
        {},
        f"[service_levels.submitted]\n{DAYS_3}warn_at = 3\n",
        "service_levels.submitted.warn_at: must be less than amount (3) (got 3)",
    ),
    (
        "stage-without-clock",
        {},
        f"[service_levels.closed]\n{DAYS_3}",
        "service_levels.closed: unknown key; allowed: submitted, disposed, in_progress,"
        " awaiting_approval",
    ),
    (
        "misspelt-key",
        {},
        "[service_levels.submitted]\namuont = 3\nunit = 'days'\n",
        'service_levels.submitted.amuont: unknown key (did you mean "amount"?)',
    ),
    (
        "missing-required",
        {"prefix": None},
        "",
        "prefix: required key is missing",
    ),
    (
        "prefix-lower-case",
        {"prefix": '"lapor"'},
        "",
        'prefix: must be 2 to 8 upper-case letters or digits (got "lapor")',
    ),
    (
        "timezone-outside-indonesia",
        {"timezone": '"Asia/Tokyo"'},
        "",
        'timezone: must be one of Asia/Jakarta, Asia/Makassar, Asia/Jayapura (got "Asia/Tokyo")',
    ),
    (
        "office-hours-reversed",
        {},
        '[office_hours]\nstart = "16:00"\nend = "08:00"\n',
        "office_hours.end: must be later than start (16:00) (got 08:00)",
    ),
    (
        "office-hours-not-a-time",
        {},
        '[office_hours]\nstart = "pagi"\n',
        'office_hours.start: must be a time of day such as "08:00" (got "pagi")',
    ),
    (
        "weekday-out-of-range",
        {"working_days": "[1, 2, 8]"},
        "",
        "working_days[2]: must be at most 7 (got 8)",
    ),
    (
        "weekday-twice",
        {"working_days": "[1, 2, 2]"},
        "",
        'working_days[2]: duplicate day "2" (already at [1])',
    ),
    (
        "holiday-not-a-date",
        {},
        '[holidays]\nadd = ["17 Agustus"]\n',
        'holidays.add[0]: must be a date such as 2026-08-17 (got "17 Agustus")',
    ),
    (
        "holiday-added-and-removed",
        {},
        "[holidays]\nadd = [2026-08-17]\nremove = [2026-08-17]\n",
        "holidays.remove[0]: 2026-08-17 is also in holidays.add",
    ),
    (
        "languages-without-indonesian",
        {"languages": '["en"]'},
        "",
        'languages: must include "id"',
    ),
    (
        "text-without-id",
        {"name": '{ en = "Office" }'},
        "",
        "name.id: required key is missing",
    ),
    (
        "text-unknown-language",
        {"name": '{ id = "Kantor", fr = "Bureau" }'},
        "",
        "name.fr: unknown key; allowed: id, en",
    ),
    (
        "unit-code-not-a-slug",
        {"units": '[{ code = "rsud", name = "RSUD" }, { code = "Dinas Kesehatan", name = "D" }]'},
        "",
        "units[1].code: must be a code of lower-case letters, digits, _ or - (at most 40)"
        ' (got "Dinas Kesehatan")',
    ),
    (
        "unit-code-twice",
        {
            "units": '[{ code = "rsud", name = "A" }, { code = "x", name = "B" },'
            ' { code = "rsud", name = "C" }]'
        },
        "",
        'units[2].code: duplicate code "rsud" (already at [0])',
    ),
    (
        "subcategory-code-twice",
        {},
        '[[categories]]\ncode = "a"\nname = "A"\n'
        'subcategories = [{ code = "x", name = "X" }, { code = "x", name = "Y" }]\n',
        'categories[0].subcategories[1].code: duplicate code "x" (already at [0])',
    ),
    (
        "unknown-channel",
        {"channels": '[{ code = "telegram", name = "T" }, { code = "fax", name = "F" }]'},
        "",
        "channels[1].code: must be one of telegram, tatap_muka, kotak_saran, surat, telepon,"
        ' email, media_sosial, sms, lapor, website (got "fax")',
    ),
    (
        "without-telegram",
        {"channels": '[{ code = "email", name = "E" }]'},
        "",
        'channels: must include "telegram" (the bot\'s own channel)',
    ),
    (
        "end-to-end-for-a-channel-not-accepted",
        {},
        f"[end_to_end.channels.surat]\n{DAYS_3}",
        "end_to_end.channels.surat: is not one of the office's channels",
    ),
    (
        "end-to-end-for-an-unknown-channel",
        {},
        f"[end_to_end.channels.fax]\n{DAYS_3}",
        "end_to_end.channels.fax: must be one of telegram, tatap_muka, kotak_saran, surat, telepon,"
        ' email, media_sosial, sms, lapor, website (got "fax")',
    ),
    (
        "no-report-types",
        {"report_types": "[]"},
        "",
        "report_types: must offer at least one report type",
    ),
    (
        "no-type-a-reporter-may-choose",
        {
            "report_types": '[{ code = "informasi", name = "Informasi", description = "Tanya",'
            " offered = false }]"
        },
        "",
        "report_types: must let reporters choose at least one type",
    ),
    (
        "permission-for-unknown-role",
        {},
        '[permissions]\ndispose = ["admin"]\n',
        "permissions.dispose[0]: must be one of operator, liaison, supervisor, viewer"
        ' (got "admin")',
    ),
    (
        "permission-for-reporter-action",
        {},
        '[permissions]\nrate = ["operator"]\n',
        "permissions.rate: is the reporter's own action; permissions list staff actions only",
    ),
    (
        "permission-for-unknown-action",
        {},
        '[permissions]\ndisposal = ["operator"]\n',
        'permissions.disposal: unknown key (did you mean "dispose"?)',
    ),
    (
        "staff-action-nobody-may-do",
        {},
        "[permissions]\nreject = []\n",
        "permissions.reject: no role may perform this action; name at least one role"
        " (or turn its optional step off in [steps])",
    ),
    (
        "approver-without-permission",
        {},
        '[steps]\napproval_levels = ["supervisor", "operator"]\n',
        'steps.approval_levels[1]: "operator" may not approve (see permissions.approve)',
    ),
    (
        "step-flag-not-bool",
        {},
        '[steps]\nreclassify = "ya"\n',
        'steps.reclassify: must be true or false (got "ya")',
    ),
    (
        "identity-field-unknown",
        {},
        '[identity]\nrequired_fields = ["name", "nik"]\n',
        "identity.required_fields[1]: must be one of name, phone, address, email, id_photo"
        ' (got "nik")',
    ),
    (
        "identity-field-twice",
        {},
        '[identity]\nrequired_fields = ["name"]\noptional_fields = ["name", "phone"]\n',
        'identity.optional_fields[0]: "name" is already in required_fields',
    ),
    (
        "privacy-first-without-flags",
        {},
        "[identity]\nallow_anonymous = false\nallow_confidential = false\nprivacy_first = true\n",
        "identity.privacy_first: needs allow_anonymous or allow_confidential to be true",
    ),
    (
        "limit-missing",
        {"limits": '{ needs_info_close_after = { amount = 10, unit = "days" } }'},
        "",
        "limits.answered_close_after: required key is missing",
    ),
    (
        "unknown-top-level-key",
        {"prefx": '"X"'},
        "",
        'prefx: unknown key (did you mean "prefix"?)',
    ),
    (
        "list-where-table-expected",
        {"office_hours": '["08:00", "16:00"]'},
        "",
        "office_hours: must be a table (got a list)",
    ),
]


@pytest.mark.parametrize(
    ("top", "tables", "expected"),
    [pytest.param(top, tables, expected, id=case) for case, top, tables, expected in BROKEN],
)
def test_broken_profile_names_file_key_and_problem(
    tmp_path: Path, top: dict[str, str | None], tables: str, expected: str
) -> None:
    problems = problems_of(write(tmp_path, toml_text(top, tables)))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_error_is_reported_on_its_own_line(tmp_path: Path) -> None:
    top = {"prefix": '"x"', "timezone": '"UTC"'}
    tables = '[service_levels.disposed]\namount = 3\nunit = "weeks"\n'
    problems = problems_of(write(tmp_path, toml_text(top, tables)))
    assert [p.split(":")[0] for p in problems] == [
        "prefix",
        "timezone",
        "service_levels.disposed.unit",
    ]


def test_path_is_shown_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "profiles").mkdir()
    write(tmp_path / "profiles", toml_text({"prefix": '"lapor"'}))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError) as info:
        load_profile("profiles/broken.toml")
    assert str(info.value) == (
        'profiles/broken.toml: prefix: must be 2 to 8 upper-case letters or digits (got "lapor")'
    )


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "Kantor"\nprefix = \n')
    assert problems_of(path) == ["line 2, column 10: invalid TOML: Invalid value"]


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Kantor Wilayah \u00e9"\n'.encode("latin-1"))
    assert problems_of(path)[0].startswith("not UTF-8 text")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"nope\.toml: no such profile file"):
        load_profile(str(tmp_path / "nope.toml"))


def test_unknown_name_lists_the_available_profiles(tmp_path: Path) -> None:
    write(tmp_path, toml_text(), "kota.toml")
    write(tmp_path, toml_text(), "biro.toml")
    with pytest.raises(ProfileError) as info:
        load_profile("provinsi", directory=tmp_path)
    assert 'unknown profile "provinsi"; available: biro, kota' in str(info.value)
    with pytest.raises(ProfileError, match=r"available: .*nasional"):
        load_profile("tidak-ada")


def test_list_profiles(tmp_path: Path) -> None:
    names = [name for name, _ in list_profiles()]
    assert "nasional" in names
    assert names == sorted(names)
    write(tmp_path, toml_text(), "b.toml")
    write(tmp_path, toml_text(), "a.toml")
    (tmp_path / "notes.txt").write_text("not a profile")
    assert list_profiles(tmp_path) == [("a", tmp_path / "a.toml"), ("b", tmp_path / "b.toml")]


@pytest.mark.parametrize(("name", "path"), list_profiles())
def test_every_bundled_profile_loads(name: str, path: Path) -> None:
    profile = load_profile(name)
    assert profile == load_profile(str(path))


def test_parse_profile_names_the_source() -> None:
    with pytest.raises(ProfileError, match=r"^inline: prefix: required key is missing$"):
        parse_profile(
            {k: v for k, v in load_profile().model_dump().items() if k != "prefix"}, "inline"
        )


# --- the schema's small pieces ----------------------------------------------------------------


def test_text_falls_back_to_indonesian() -> None:
    assert Text(id="Kantor", en="Office").get("en") == "Office"
    assert Text(id="Kantor", en="Office").get("id") == "Kantor"
    assert Text(id="Kantor").get("en") == "Kantor"
    assert Text.model_validate("Kantor") == Text(id="Kantor")  # bare string shorthand


def test_holiday_dates_accept_toml_dates_and_strings(tmp_path: Path) -> None:
    tables = '[holidays]\nadd = [2026-08-17, "2026-12-24"]\n'
    profile = load_profile(str(write(tmp_path, toml_text(tables=tables), "h.toml")))
    assert profile.holidays.add == (date(2026, 8, 17), date(2026, 12, 24))


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("units", 2, "code"), "units[2].code"),
        (("end_to_end", "channels", "lapor"), "end_to_end.channels.lapor"),
        (("categories", 0, "subcategories", 1), "categories[0].subcategories[1]"),
        (("holidays", "odd key"), 'holidays."odd key"'),
        ((), "(top level)"),
    ],
)
def test_key_path(loc: tuple[str | int, ...], expected: str) -> None:
    assert key_path(loc) == expected


def test_domain_vocabulary() -> None:
    assert Stage.SUBMITTED == "submitted"
    assert OPEN_STAGES.isdisjoint(TERMINAL_STAGES)
    assert set(Stage) - {Stage.DRAFT} == OPEN_STAGES | TERMINAL_STAGES
    assert {Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE} == TERMINAL_STAGES
    assert set(Action) == STAFF_ACTIONS | REPORTER_ACTIONS
    assert set(Permissions.model_fields) == {a.value for a in STAFF_ACTIONS}


def test_approval_names_must_name_each_level(tmp_path: Path) -> None:
    tables = (
        '[steps]\napproval_levels = ["supervisor", "supervisor"]\n'
        'approval_names = [{ id = "Kepala Bagian" }]\n'
    )
    problems = problems_of(write(tmp_path, toml_text(tables=tables)))
    assert any(p.startswith("steps.approval_names: must name each of the 2") for p in problems)


@pytest.mark.parametrize(
    "name",
    [
        "nasional",
        "ntt-pbj",
        "tanatidung",
        "ntt-biro-organisasi",
        "pangkalpinang-bkpsdmd",
        "ntt-diskominfo",
    ],
)
def test_no_profile_answers_a_complaint_directly_or_changes_to_a_type_it_does_not_take(
    name: str,
) -> None:
    profile = load_profile(name)
    assert not profile.steps.answers_directly(ReportType.PENGADUAN)
    taken = {t.code for t in profile.report_types}
    assert set(profile.steps.direct_answer_types) <= taken or not profile.uses(Action.ANSWER_INFO)
    assert profile.uses(Action.RECLASSIFY) == (profile.steps.reclassify and len(taken) > 1)


def test_every_seed_profile_maps_its_rows_and_says_where_the_bot_chose() -> None:
    root = Path(__file__).resolve().parent.parent / "profiles"
    for path in root.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert "[BOT]" in text, path.name
        assert "tests/test_sop_" in text, f"{path.name} names no walk of its SOP"
