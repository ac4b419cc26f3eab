"""Haversine distances."""

from __future__ import annotations

import pytest

from domain.geo import haversine_m


def test_same_point_is_zero() -> None:
    assert haversine_m(31.2304, 121.4737, 31.2304, 121.4737) == 0


def test_one_hundredth_degree_of_latitude_is_about_1_1_km() -> None:
    assert haversine_m(31.2304, 121.4737, 31.2404, 121.4737) == pytest.approx(1112, abs=2)


def test_shanghai_to_beijing() -> None:
    assert haversine_m(31.2304, 121.4737, 39.9042, 116.4074) / 1000 == pytest.approx(1067, abs=5)


def test_symmetric_and_antipodes_do_not_fail() -> None:
    a = haversine_m(10, 20, -30, 40)
    assert a == pytest.approx(haversine_m(-30, 40, 10, 20))
    assert haversine_m(0, 0, 0, 180) == pytest.approx(20_015_115, rel=1e-3)
