"""Settings, loaded once from AFTERSALES_* environment variables or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.money import Currency
from core.working_hours import Holidays, Week, parse_week, read_holidays

Language = Literal["zh_CN", "en"]


class Settings(BaseSettings):
    """Every setting of the product; the standard's numbers default to the handbook's."""

    model_config = SettingsConfigDict(
        env_prefix="AFTERSALES_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./aftersales.db"
    # PostgreSQL only: the schema (search_path) holding the tables; None means the default.
    database_schema: str | None = None
    telegram_base_url: str = "https://api.telegram.org"
    timezone: str = "Asia/Shanghai"
    default_language: Language = "zh_CN"
    # The currency every amount is shown in (CNY as ¥, USD as $, EUR as €).
    currency: Currency = "CNY"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    desk_chat_id: int | None = None
    quality_chat_id: int | None = None
    purchasing_chat_id: int | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    sandbox_api_port: int = Field(default=0, ge=0, le=65535)
    public_url: str | None = None
    # The service report's letterhead and its PDF font (a TrueType file or collection).
    department_name: str | None = None
    department_contact: str | None = None
    report_font: str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    # How long a Mini App launch (the signature page) stays valid after Telegram signed it.
    signature_link_hours: float = 24.0
    http_read_timeout_seconds: float = Field(default=10.0, gt=0)
    dashboard_link_minutes: float = 10.0
    dashboard_session_hours: float = 12.0
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"

    # The service standards (DESIGN §1).
    response_hours: float = 24.0
    response_reminder_ratio: float = 0.75
    accept_reminder_minutes: int = 30
    accept_timeout_minutes: int = 60
    onsite_ping_minutes: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [120, 30])
    report_reminder_hours: float = 4.0
    quote_reminder_hours: float = 24.0
    quote_flag_hours: float = 72.0
    confirm_autoclose_hours: float = 48.0
    survey_delay_hours: float = 1.0
    survey_reminder_hours: float = 24.0
    survey_expiry_days: float = 7.0
    repeat_window_days: int = 30
    return_visit_days: int = 90
    max_onsite_days: int = 30
    urgent_onsite_hours: int = 4
    working_day_end_hour: int = 18
    # The response clock counts only these local hours ("Mon-Fri 09:00-18:00; Sat 09:00-12:00")
    # and skips the holidays file's days; unset: the 24-hour clock.
    working_hours: str | None = None
    holidays_file: Path | None = None
    digest_hour: int = 8
    auto_assign: bool = False
    # Labour charged per hour in a service report (0: labour comes from the approved quote).
    labour_rate_per_hour: float = 0.0

    # Monthly targets, in percent.
    target_response_pct: float = 96.0
    target_onsite_pct: float = 95.0
    target_first_fix_pct: float = 90.0
    target_survey_response_pct: float = 80.0
    target_complaint_rate_pct: float = 1.0
    # Further targets of the monthly report; unset means the figure is shown without one.
    target_avg_satisfaction: float | None = None
    target_very_satisfied_pct: float | None = None
    target_nps: float | None = None
    target_complaint_closure_hours: float | None = None

    # Outbox pacing (Telegram's limits).
    outbox_global_per_second: float = 30.0
    outbox_chat_interval_seconds: float = 1.0
    outbox_group_per_minute: int = 20
    outbox_max_attempts: int = 8
    # A send not answered in time may have been delivered: it is never resent (no duplicates).
    outbox_send_timeout_seconds: float = 10.0

    # Reminder handlers that keep failing are given up after this many attempts.
    reminder_max_attempts: int = 5
    # Local hour at which due return visits of key customers are opened.
    return_visit_hour: int = 9

    # Requests per minute each API key may make to /api/v1 (then 429 with Retry-After).
    api_rate_per_minute: int = Field(default=120, ge=1)
    # Outgoing webhooks: tries before an event is given up (admins told), seconds per try.
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    sweep_interval_seconds: float = 30.0
    dialog_ttl_days: float = 7.0

    _holidays: Holidays = PrivateAttr(default_factory=Holidays)

    @field_validator("admin_ids", "onsite_ping_minutes", mode="before")
    @classmethod
    def _split_ints(cls, value: object) -> object:
        """Accepts "1,2,3" as well as a list."""
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        """Rejects a time zone name the system does not know."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("working_hours", mode="before")
    @classmethod
    def _readable_week(cls, value: object) -> object:
        """Rejects working hours that cannot be read, naming the setting; blank means unset."""
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                parse_week(value)
            except ValueError as exc:
                raise ValueError(f"AFTERSALES_WORKING_HOURS: {exc}") from None
        return value

    @field_validator("holidays_file", mode="before")
    @classmethod
    def _blank_file(cls, value: object) -> object:
        """A blank holidays file setting means none."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _read_holidays(self) -> Self:
        """Reads the holidays file once, at start-up; a bad file stops the start."""
        if self.holidays_file is None:
            return self
        if self.working_hours is None:
            raise ValueError(
                "AFTERSALES_HOLIDAYS_FILE needs AFTERSALES_WORKING_HOURS (for every hour of "
                "every other day: AFTERSALES_WORKING_HOURS='Mon-Sun 00:00-24:00')"
            )
        try:
            self._holidays = read_holidays(self.holidays_file)
        except ValueError as exc:
            raise ValueError(f"AFTERSALES_HOLIDAYS_FILE: {exc}") from None
        return self

    @property
    def working_week(self) -> Week | None:
        """The response clock's weekly working hours, or None for the 24-hour clock."""
        return None if self.working_hours is None else parse_week(self.working_hours)

    @property
    def holidays(self) -> Holidays:
        """The days off and make-up working days of the holidays file (none if unset)."""
        return self._holidays

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone, for display and local deadlines."""
        return ZoneInfo(self.timezone)
