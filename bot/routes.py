"""Where the notices a handler causes go (desk chat, quality chat), from the settings."""

from __future__ import annotations

from bot.context import AppContext
from services.desk import DeskRoute
from services.reports import QualityRoute


def desk_route(context: AppContext) -> DeskRoute:
    """Where desk notices go, from the settings."""
    settings = context.services.settings
    return DeskRoute(settings.desk_chat_id, settings.default_language, settings.auto_assign)


def quality_route(context: AppContext) -> QualityRoute:
    """Where major quality problems go, from the settings."""
    settings = context.services.settings
    return QualityRoute(
        settings.quality_chat_id, settings.default_language, settings.purchasing_chat_id
    )
