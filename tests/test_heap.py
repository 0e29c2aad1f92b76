"""The run command's frozen start-up heap (bot/telegram/lifecycle.py freeze_startup_heap)."""

from __future__ import annotations

import gc
import weakref

from bot.telegram.lifecycle import freeze_startup_heap


class _Node:
    """An object the collector tracks (it has a __dict__ and may be part of a cycle)."""

    other: _Node | None = None


def test_start_up_objects_leave_the_full_collections_and_its_garbage_is_not_kept() -> None:
    garbage = _Node()
    garbage.other = garbage  # a cycle: only the collector frees it
    gone = weakref.ref(garbage)
    del garbage
    kept = _Node()
    try:
        frozen = freeze_startup_heap()
        assert gone() is None, "start-up's garbage is collected before the freeze"
        # Not equal: a frozen object that another thread lets go leaves the count at once.
        assert frozen > 1000
        assert not any(o is kept for o in gc.get_objects()), "a full collection no longer walks it"
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())
