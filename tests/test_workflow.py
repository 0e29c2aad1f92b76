"""The report's life as the SOP describes it (docs/architecture.md §3), without Telegram or SQL."""

from __future__ import annotations

import pytest

from bot.domain.profile import Profile, load_profile
from bot.domain.vocabulary import Action, ReportType, Role, Stage
from bot.domain.workflow import (
    REPORTER,
    SYSTEM,
    Actor,
    ActorKind,
    Plan,
    Refusal,
    Refused,
    ReportState,
    available_actions,
    plan,
)

A, S = Action, Stage


def staff(role: Role, staff_id: int = 1) -> Actor:
    return Actor(ActorKind.STAFF, role=role, staff_id=staff_id)


OPERATOR, LIAISON, SUPERVISOR, VIEWER = (staff(r) for r in Role)


@pytest.fixture(scope="module")
def national() -> Profile:
    return load_profile("nasional")


def with_steps(profile: Profile, **steps: object) -> Profile:
    return profile.model_copy(update={"steps": profile.steps.model_copy(update=steps)})


@pytest.mark.parametrize(
    ("stage", "action", "actor", "to"),
    [
        (S.DRAFT, A.SUBMIT, REPORTER, S.SUBMITTED),
        (S.SUBMITTED, A.DISPOSE, OPERATOR, S.DISPOSED),
        (S.SUBMITTED, A.ANSWER_INFO, OPERATOR, S.ANSWERED),
        (S.SUBMITTED, A.RECLASSIFY, OPERATOR, S.SUBMITTED),
        (S.SUBMITTED, A.REJECT, OPERATOR, S.REJECTED),
        (S.SUBMITTED, A.MARK_DUPLICATE, OPERATOR, S.DUPLICATE),
        (S.SUBMITTED, A.ASK_INFO, OPERATOR, S.NEEDS_INFO),
        (S.DISPOSED, A.ACCEPT, LIAISON, S.IN_PROGRESS),
        (S.DISPOSED, A.RETURN_TO_TRIAGE, LIAISON, S.SUBMITTED),
        (S.IN_PROGRESS, A.RETURN_TO_TRIAGE, LIAISON, S.SUBMITTED),
        (S.DISPOSED, A.REASSIGN, OPERATOR, S.DISPOSED),
        (S.IN_PROGRESS, A.REASSIGN, SUPERVISOR, S.DISPOSED),
        (S.IN_PROGRESS, A.ASK_INFO, LIAISON, S.NEEDS_INFO),
        (S.IN_PROGRESS, A.ANSWER, LIAISON, S.ANSWERED),
        (S.ANSWERED, A.RATE, REPORTER, S.CLOSED),
        (S.ANSWERED, A.DISPUTE, REPORTER, S.IN_PROGRESS),
        (S.ANSWERED, A.CLOSE, SYSTEM, S.CLOSED),
        (S.NEEDS_INFO, A.CLOSE, SYSTEM, S.CLOSED),
        (S.IN_PROGRESS, A.WITHDRAW, REPORTER, S.CLOSED),
        (S.IN_PROGRESS, A.EXTEND, SUPERVISOR, S.IN_PROGRESS),
        (S.CLOSED, A.NOTE, OPERATOR, S.CLOSED),
    ],
)
def test_the_national_sop_moves_reports_between_stages(
    national: Profile, stage: Stage, action: Action, actor: Actor, to: Stage
) -> None:
    # A direct answer is for an information request only (seed 003, step 3).
    kind = ReportType.INFORMASI if action is A.ANSWER_INFO else None
    outcome = plan(national, ReportState(stage, type=kind), action, actor)
    assert isinstance(outcome, Plan)
    assert (outcome.from_stage, outcome.to_stage) == (stage, to)


@pytest.mark.parametrize(
    ("stage", "action", "actor", "reason"),
    [
        (S.SUBMITTED, A.DISPOSE, LIAISON, Refusal.ROLE),
        (S.SUBMITTED, A.DISPOSE, VIEWER, Refusal.ROLE),
        (S.DISPOSED, A.ACCEPT, OPERATOR, Refusal.ROLE),
        (S.SUBMITTED, A.EXTEND, OPERATOR, Refusal.ROLE),
        (S.DISPOSED, A.DISPOSE, OPERATOR, Refusal.STAGE),
        (S.CLOSED, A.WITHDRAW, REPORTER, Refusal.STAGE),
        (S.REJECTED, A.ANSWER, LIAISON, Refusal.STAGE),
        (S.SUBMITTED, A.APPROVE, SUPERVISOR, Refusal.STEP_OFF),
        (S.ANSWERED, A.RATE, OPERATOR, Refusal.ROLE),
        (S.SUBMITTED, A.DISPOSE, REPORTER, Refusal.ROLE),
        (S.IN_PROGRESS, A.ANSWER, SYSTEM, Refusal.ROLE),
    ],
)
def test_actions_out_of_role_stage_or_sop_are_refused(
    national: Profile, stage: Stage, action: Action, actor: Actor, reason: Refusal
) -> None:
    assert plan(national, ReportState(stage), action, actor) == Refused(action, reason)


@pytest.mark.parametrize("kind", [ReportType.PENGADUAN, ReportType.ASPIRASI, None])
def test_jawab_langsung_is_refused_for_anything_but_an_information_request(
    national: Profile, kind: ReportType | None
) -> None:
    state = ReportState(S.SUBMITTED, type=kind)
    assert plan(national, state, A.ANSWER_INFO, OPERATOR) == Refused(A.ANSWER_INFO, Refusal.TYPE)
    assert A.ANSWER_INFO not in available_actions(national, state, OPERATOR)


def test_asking_for_information_pauses_and_returns_to_the_stage_it_left(
    national: Profile,
) -> None:
    asked = plan(national, ReportState(S.DISPOSED), A.ASK_INFO, LIAISON)
    assert isinstance(asked, Plan)
    assert asked.pauses_clock
    assert asked.resume_stage is S.DISPOSED
    answered = plan(national, ReportState(S.NEEDS_INFO, S.DISPOSED), A.PROVIDE_INFO, REPORTER)
    assert isinstance(answered, Plan)
    assert answered.to_stage is S.DISPOSED


def test_an_office_without_the_accept_step_disposes_straight_to_work(national: Profile) -> None:
    direct = with_steps(national, liaison_accept=False)
    outcome = plan(direct, ReportState(S.SUBMITTED), A.DISPOSE, OPERATOR)
    assert isinstance(outcome, Plan)
    assert outcome.to_stage is S.IN_PROGRESS


def test_answers_climb_each_approval_level_in_order(national: Profile) -> None:
    office = with_steps(national, approval_levels=(Role.OPERATOR, Role.SUPERVISOR))
    office = office.model_copy(
        update={
            "permissions": office.permissions.model_copy(
                update={"approve": (Role.OPERATOR, Role.SUPERVISOR)}
            )
        }
    )
    drafted = plan(office, ReportState(S.IN_PROGRESS), A.ANSWER, LIAISON)
    assert isinstance(drafted, Plan)
    assert (drafted.to_stage, drafted.approval_level) == (S.AWAITING_APPROVAL, 1)

    level_one = ReportState(S.AWAITING_APPROVAL, approval_level=1)
    assert plan(office, level_one, A.APPROVE, SUPERVISOR) == Refused(A.APPROVE, Refusal.ROLE)
    first = plan(office, level_one, A.APPROVE, staff(Role.OPERATOR, 7))
    assert isinstance(first, Plan)
    assert (first.to_stage, first.approval_level) == (S.AWAITING_APPROVAL, 2)

    level_two = ReportState(S.AWAITING_APPROVAL, approval_level=2, approvers=(7,))
    last = plan(office, level_two, A.APPROVE, staff(Role.SUPERVISOR, 8))
    assert isinstance(last, Plan)
    assert last.to_stage is S.ANSWERED
    back = plan(office, level_two, A.SEND_BACK, staff(Role.SUPERVISOR, 8))
    assert isinstance(back, Plan)
    assert back.to_stage is S.IN_PROGRESS


def test_one_person_cannot_approve_two_levels_of_the_same_answer(national: Profile) -> None:
    office = with_steps(national, approval_levels=(Role.SUPERVISOR, Role.SUPERVISOR))
    state = ReportState(S.AWAITING_APPROVAL, approval_level=2, approvers=(5,))
    assert plan(office, state, A.APPROVE, staff(Role.SUPERVISOR, 5)) == Refused(
        A.APPROVE, Refusal.SAME_PERSON
    )


def test_the_card_offers_a_liaison_only_what_the_liaison_may_do_now(national: Profile) -> None:
    actions = available_actions(national, ReportState(S.DISPOSED), LIAISON)
    assert actions == [A.ASK_INFO, A.ACCEPT, A.RETURN_TO_TRIAGE, A.NOTE]
    assert available_actions(national, ReportState(S.SUBMITTED), VIEWER) == []
