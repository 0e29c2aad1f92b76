"""Units and staff: the live registry behind roles and dispositions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, insert, select

from storage import tables as t
from storage.models import (
    StaffMember,
    Unit,
)
from storage.repo.base import RepoBase, to_model


class StaffRepo(RepoBase):
    """Units and staff: the live registry behind roles and dispositions."""

    async def seed_units(self, units: Iterable[tuple[str, str, str | None]]) -> int:
        """Create the profile's initial units when the registry is still empty."""
        async with self.db.write() as conn:
            existing = (await conn.execute(select(func.count()).select_from(t.units))).scalar()
            if existing:
                return 0
            now = self.clock()
            rows = [{"code": c, "name": n, "kind": k, "created_at": now} for c, n, k in units]
            if rows:
                await conn.execute(insert(t.units), rows)
            return len(rows)

    async def list_units(self, *, active_only: bool = True) -> list[Unit]:
        """Return the units, by code."""
        stmt = select(t.units).order_by(t.units.c.code)
        if active_only:
            stmt = stmt.where(t.units.c.active.is_(True))
        async with self.db.read() as conn:
            return [to_model(r, Unit) for r in await conn.execute(stmt)]

    async def bootstrap_admins(self, telegram_user_ids: Iterable[int]) -> None:
        """Make the ADMIN_USER_IDS supervisors (again, if someone demoted them)."""
        now = self.clock()
        async with self.db.write() as conn:
            for uid in telegram_user_ids:
                await conn.execute(
                    self._insert()(t.staff)
                    .values(
                        telegram_user_id=uid,
                        display_name=str(uid),
                        role="supervisor",
                        created_at=now,
                        updated_at=now,
                    )
                    .on_conflict_do_update(
                        index_elements=["telegram_user_id"],
                        set_={"role": "supervisor", "active": True, "updated_at": now},
                    )
                )

    async def staff_by_telegram(self, telegram_user_id: int) -> StaffMember | None:
        """Return the active staff member with this Telegram id, with their units."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(t.staff).where(
                        and_(
                            t.staff.c.telegram_user_id == telegram_user_id,
                            t.staff.c.active.is_(True),
                        )
                    )
                )
            ).first()
            if row is None:
                return None
            unit_ids = (
                await conn.execute(
                    select(t.staff_units.c.unit_id).where(t.staff_units.c.staff_id == row.id)
                )
            ).scalars()
            return StaffMember(
                id=row.id,
                telegram_user_id=row.telegram_user_id,
                display_name=row.display_name,
                role=row.role,
                active=row.active,
                unit_ids=frozenset(unit_ids),
            )

    async def unit(self, unit_id: int) -> Unit | None:
        """Return a unit by id."""
        async with self.db.read() as conn:
            row = (await conn.execute(select(t.units).where(t.units.c.id == unit_id))).first()
        return None if row is None else to_model(row, Unit)

    async def add_staff(
        self,
        telegram_user_id: int,
        display_name: str,
        role: str,
        *,
        unit_ids: Iterable[int] = (),
        added_by: int | None = None,
    ) -> StaffMember:
        """Add a staff member (or update their role, name and units), active."""
        now = self.clock()
        values = {"display_name": display_name, "role": role, "active": True, "updated_at": now}
        async with self.db.write() as conn:
            await conn.execute(
                self._insert()(t.staff)
                .values(
                    telegram_user_id=telegram_user_id, added_by=added_by, created_at=now, **values
                )
                .on_conflict_do_update(index_elements=["telegram_user_id"], set_=values)
            )
            staff_id = (
                await conn.execute(
                    select(t.staff.c.id).where(t.staff.c.telegram_user_id == telegram_user_id)
                )
            ).scalar_one()
            await conn.execute(t.staff_units.delete().where(t.staff_units.c.staff_id == staff_id))
            units = [{"staff_id": staff_id, "unit_id": u} for u in unit_ids]
            if units:
                await conn.execute(insert(t.staff_units), units)
        member = await self.staff_by_telegram(telegram_user_id)
        assert member is not None
        return member
