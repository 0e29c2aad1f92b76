"""The shared vocabulary of a report's life: stages, actions, roles, report types and channels.

The values are defined with the rows that store them (storage/vocabulary.py); the rules built
on them are here. Nothing here knows about Telegram or SQL.
"""

from __future__ import annotations

from storage.vocabulary import Action, ActorKind, Channel, ReportType, Role, Stage

__all__ = [
    "OPEN_STAGES",
    "REPORTER_ACTIONS",
    "STAFF_ACTIONS",
    "TERMINAL_STAGES",
    "Action",
    "ActorKind",
    "Channel",
    "ReportType",
    "Role",
    "Stage",
]


# A report is open from submission until it is closed, rejected or marked duplicate. ANSWERED is
# open: the reporter may still rate or dispute it. DRAFT is neither open nor terminal.
TERMINAL_STAGES: frozenset[Stage] = frozenset({Stage.CLOSED, Stage.REJECTED, Stage.DUPLICATE})
OPEN_STAGES: frozenset[Stage] = frozenset(Stage) - TERMINAL_STAGES - {Stage.DRAFT}

# The reporter's own actions: no staff role performs them, so a profile's permissions omit them.
REPORTER_ACTIONS: frozenset[Action] = frozenset(
    {Action.SUBMIT, Action.PROVIDE_INFO, Action.RATE, Action.DISPUTE, Action.WITHDRAW}
)
# Everything else is done by staff, in the roles the profile's permissions name.
STAFF_ACTIONS: frozenset[Action] = frozenset(Action) - REPORTER_ACTIONS
