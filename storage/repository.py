"""The repository: every read and write the bot makes, as typed methods over SQLAlchemy Core.

One class composed of one part per feature (storage/repo/*.py), so that features grow side by side.
"""

from __future__ import annotations

from storage.repo.base import Clock, RepoBase, to_model, utc_now
from storage.repo.citizen import CitizenRepo
from storage.repo.drafts import DraftsRepo
from storage.repo.operations import OperationsRepo
from storage.repo.outbox import OutboxRepo
from storage.repo.privacy import PrivacyRepo
from storage.repo.prompts import PromptsRepo
from storage.repo.register import RegisterRepo
from storage.repo.reporters import ReportersRepo
from storage.repo.reports import ReportsRepo
from storage.repo.search import SearchRepo
from storage.repo.sla import SlaRepo
from storage.repo.staff import StaffRepo
from storage.repo.staff_work import StaffWorkRepo
from storage.repo.updates import UpdatesRepo

__all__ = ["Clock", "RepoBase", "Repository", "to_model", "utc_now"]


class Repository(
    ReportersRepo,
    StaffRepo,
    StaffWorkRepo,
    ReportsRepo,
    DraftsRepo,
    OutboxRepo,
    CitizenRepo,
    SlaRepo,
    SearchRepo,
    UpdatesRepo,
    PromptsRepo,
    PrivacyRepo,
    RegisterRepo,
    OperationsRepo,
):
    """Typed access to the database; each public write is one transaction."""
