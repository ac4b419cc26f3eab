"""Distances on the Earth's surface, for comparing a check-in with the site."""

from __future__ import annotations

from math import asin, cos, isfinite, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in metres."""
    phi1, phi2 = radians(lat1), radians(lat2)
    d_phi = radians(lat2 - lat1)
    d_lambda = radians(lon2 - lon1)
    h = sin(d_phi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))


def is_on_earth(latitude: float, longitude: float) -> bool:
    """Whether a shared point is a real place: finite, latitude ±90, longitude ±180.

    Telegram's clients only send such points; anything else comes from a forged update.
    """
    return (
        isfinite(latitude)
        and isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )
