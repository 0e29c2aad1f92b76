"""Find other reporters' open reports that look like the one being written.

The rules (what counts as the same problem, how alike is alike enough) are in
bot/domain/screening/duplicates.py; this asks the repository's index for candidates and scores them.
"""

from __future__ import annotations

import math

from bot.domain.screening.duplicates import (
    CANDIDATES,
    NEARBY_METRES,
    OFFERED,
    SIMILAR,
    SIMILAR_NEARBY,
    Duplicate,
    likeness,
    search_terms,
)
from storage.repo.search import BoundingBox, SearchHit, SearchRepo

_METRES_PER_DEGREE = 111_320.0


def bounding_box(latitude: float, longitude: float, metres: float = NEARBY_METRES) -> BoundingBox:
    """Return the box of about `metres` around a point."""
    dlat = metres / _METRES_PER_DEGREE
    dlon = metres / (_METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return BoundingBox(latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon)


def _inside(hit: SearchHit, box: BoundingBox | None) -> bool:
    if box is None or hit.latitude is None or hit.longitude is None:
        return False
    return box.south <= hit.latitude <= box.north and box.west <= hit.longitude <= box.east


async def find_duplicates(
    repo: SearchRepo,
    *,
    title: str,
    description: str,
    category: str | None,
    latitude: float | None = None,
    longitude: float | None = None,
    exclude_reporter_id: int | None = None,
    limit: int = OFFERED,
) -> list[Duplicate]:
    """Return other reporters' open reports alike enough to offer, most alike first."""
    box = None
    if latitude is not None and longitude is not None:
        box = bounding_box(latitude, longitude)
    hits = await repo.search_open_reports(
        search_terms(title, description),
        category=category,
        box=box,
        exclude_reporter_id=exclude_reporter_id,
        limit=CANDIDATES,
    )
    if box is not None:
        hits += await repo.nearby_open_reports(
            box, category=category, exclude_reporter_id=exclude_reporter_id
        )
    text = f"{title} {description}"
    found: dict[int, Duplicate] = {}
    for hit in hits:
        if hit.id in found:
            continue
        near = _inside(hit, box)
        score = likeness(text, f"{hit.title} {hit.description}")
        if score >= (SIMILAR_NEARBY if near else SIMILAR):
            found[hit.id] = Duplicate(
                hit.id, hit.number, hit.title, hit.stage, hit.submitted_at, score, near
            )
    ranked = sorted(found.values(), key=lambda d: (d.nearby, d.score), reverse=True)
    return ranked[:limit]
