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


def on_earth(latitude: object, longitude: object) -> tuple[float, float] | None:
    """A shared point as (latitude, longitude) if it is a real place, else None.

    Telegram's clients only send finite numbers within ±90 and ±180; anything else (1e308,
    NaN, null, a string) comes from a forged update.
    """
    lat, lon = _finite(latitude), _finite(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _finite(value: object) -> float | None:
    """A JSON number as a finite float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return number if isfinite(number) else None
