"""Service settings, read once at startup: ``REDITE_*`` environment variables, then flags.

>>> Settings.from_env({"REDITE_PORT": "9000", "REDITE_RETENTION": "90d"}).retention.days
90
>>> Settings.from_env({"REDITE_PRESET": "ocr"}).detector.num_perm
192
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any

from detector.config import DetectorConfig
from detector.errors import InvalidConfig, RediteError
from service.stores import DEFAULT_STORE


class SettingsError(RediteError, ValueError):
    """A setting that cannot be used; the message names the variable or flag."""


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(value: str, name: str = "retention") -> timedelta:
    """``90d``, ``12h``, ``30m``, ``45s`` or ``2w`` as a timedelta.

    >>> parse_duration("36h")
    datetime.timedelta(days=1, seconds=43200)
    """
    found = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", value)
    if not found or int(found.group(1)) == 0:
        raise SettingsError(f"{name} must look like 90d, 12h, 30m, 45s or 2w, got {value!r}")
    return timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2)])


@dataclass(frozen=True)
class Settings:
    """Everything ``redite serve`` and ``create_app`` need to know."""

    store: str = DEFAULT_STORE
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    token: str | None = None
    """Bearer token required for writes and deletes; None leaves them open."""
    retention: timedelta | None = None
    namespace: str = "redite"
    max_body_bytes: int = 10 * 1024 * 1024
    max_text_chars: int = 2_000_000
    max_paragraphs: int = 10_000
    max_id_chars: int = 1024
    read_timeout: float = 30.0
    """Seconds a client may take to send a request body (or one bulk line)."""
    shutdown_timeout: float = 30.0
    """Seconds in-flight requests get to finish after SIGTERM."""
    detector: DetectorConfig = field(default_factory=DetectorConfig)

    def __post_init__(self) -> None:
        for name in ("port",):
            if not 0 <= getattr(self, name) <= 65535:
                raise SettingsError(f"{name} must be in [0, 65535], got {getattr(self, name)}")
        for name in ("workers", "max_body_bytes", "max_text_chars", "max_paragraphs"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.max_id_chars < 1:
            raise SettingsError(f"max_id_chars must be at least 1, got {self.max_id_chars}")
        if self.token is not None and not self.token.strip():
            raise SettingsError("token must not be empty (leave it unset to disable auth)")

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from ``REDITE_<NAME>`` variables; non-None ``overrides`` win."""
        values: dict[str, Any] = {}
        preset = overrides.pop("preset", None)
        where = "--preset"
        if preset is None and environ.get("REDITE_PRESET"):
            preset, where = environ["REDITE_PRESET"], "REDITE_PRESET"
        if preset is not None:
            try:
                values["detector"] = DetectorConfig.preset(preset)
            except InvalidConfig as error:
                raise SettingsError(f"{where}: {error}") from None
        for spec in fields(cls):
            if spec.name == "detector":
                continue
            raw = environ.get(f"REDITE_{spec.name.upper()}")
            if raw is None or raw == "":
                continue
            values[spec.name] = _convert(spec.name, raw, f"REDITE_{spec.name.upper()}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _convert(name: str, raw: str, where: str) -> Any:
    if name == "retention":
        return parse_duration(raw, where)
    if name in ("store", "host", "token", "namespace"):
        return raw
    try:
        return float(raw) if name.endswith("timeout") else int(raw)
    except ValueError:
        raise SettingsError(f"{where} must be a number, got {raw!r}") from None
