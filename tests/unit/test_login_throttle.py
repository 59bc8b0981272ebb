"""The password-guess back-off, on a clock we move by hand."""

from __future__ import annotations

from crosswind.api.login_throttle import FORGET_SEC, MAX_WAIT_SEC, LoginThrottle, keys


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_waits_double_up_to_the_cap_and_are_forgotten() -> None:
    clock = Clock()
    t = LoginThrottle(clock)
    k = keys("ann", "10.0.0.1")
    assert [t.failed(*k) for _ in range(4)] == [False] * 4
    assert t.wait_for(*k) == 0
    assert t.failed(*k) is True  # the 5th failure starts the first wait
    assert t.wait_for(*k) == 1.0
    waits = []
    for _ in range(8):
        clock.now += t.wait_for(*k)
        t.failed(*k)
        waits.append(t.wait_for(*k))
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, MAX_WAIT_SEC, MAX_WAIT_SEC, MAX_WAIT_SEC]
    clock.now += FORGET_SEC + 1
    assert t.wait_for(*k) == 0
    assert t.failed(*k) is False  # counting starts afresh


def test_an_address_tolerates_more_failures_and_success_clears() -> None:
    t = LoginThrottle(Clock())
    for i in range(19):  # many users behind one address, one failure each
        t.failed(*keys(f"user{i}", "10.0.0.2"))
    assert t.wait_for(*keys("someone", "10.0.0.2")) == 0
    t.failed(*keys("user19", "10.0.0.2"))
    assert t.wait_for(*keys("someone", "10.0.0.2")) == 1.0
    assert t.wait_for(*keys("someone", "10.0.0.3")) == 0
    t.succeeded(*keys("someone", "10.0.0.2"))
    assert t.wait_for(*keys("other", "10.0.0.2")) == 0
