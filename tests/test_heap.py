"""The heap built at start-up is left out of later garbage collections."""

from __future__ import annotations

import gc
import weakref

from aftersales.heap import settle_heap


class _Cycle:
    """An object only the cycle collector can free once dropped."""

    def __init__(self) -> None:
        self.me = self


def test_settling_collects_the_garbage_then_freezes_the_rest() -> None:
    gc.disable()  # nothing collects the cycle before settle_heap does
    garbage = weakref.ref(_Cycle())
    kept = _Cycle()
    before = gc.get_freeze_count()
    try:
        assert garbage() is not None
        settle_heap()
        assert garbage() is None  # collected first, never frozen for good
        assert gc.get_freeze_count() > before
        assert not gc.is_finalized(kept)
        # Frozen: a full collection no longer walks it.
        assert all(obj is not kept for obj in gc.get_objects())
    finally:
        gc.unfreeze()
        gc.enable()
    assert any(obj is kept for obj in gc.get_objects())
