"""The pacer's arithmetic on a fake monotonic clock: it waits only when a limit would be hit."""

from __future__ import annotations

from scheduler.pacing import Pacer


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_one_message_per_second_per_chat_and_none_for_others() -> None:
    now = Seconds()
    pacer = Pacer(monotonic=now)
    assert pacer.wait(7) == 0
    pacer.record(7)
    assert pacer.wait(7) == 1.0
    assert pacer.wait(8) == 0
    now.value += 0.4
    assert abs(pacer.wait(7) - 0.6) < 1e-9
    now.value += 0.6
    assert pacer.wait(7) == 0


def test_thirty_per_second_overall() -> None:
    now = Seconds()
    pacer = Pacer(monotonic=now)
    for chat in range(1, 31):
        assert pacer.wait(chat) == 0
        pacer.record(chat)
        now.value += 0.01
    assert abs(pacer.wait(99) - 0.7) < 1e-9
    now.value += 0.71
    assert pacer.wait(99) == 0


def test_twenty_per_minute_per_group() -> None:
    now = Seconds()
    pacer = Pacer(monotonic=now)
    for _ in range(20):
        assert pacer.wait(-100) == 0
        pacer.record(-100)
        now.value += 1.5
    assert abs(pacer.wait(-100) - 30.0) < 1e-9
    assert pacer.wait(-200) == 0
    now.value += 30.0
    assert pacer.wait(-100) == 0
