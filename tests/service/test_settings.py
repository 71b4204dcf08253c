"""Service settings from the environment and flags."""

from __future__ import annotations

import pytest

from detector import DetectorConfig
from service.settings import Settings, SettingsError


def test_the_preset_comes_from_the_environment_and_the_flag_wins() -> None:
    assert Settings.from_env({}).detector == DetectorConfig()
    assert Settings.from_env({"REDITE_PRESET": "ocr"}).detector == DetectorConfig.preset("ocr")
    flagged = Settings.from_env({"REDITE_PRESET": "ocr"}, preset="news")
    assert flagged.detector == DetectorConfig()


def test_an_unknown_preset_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="REDITE_PRESET: unknown preset 'x'"):
        Settings.from_env({"REDITE_PRESET": "x"})


def test_numbers_and_durations_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="REDITE_PORT must be a number"):
        Settings.from_env({"REDITE_PORT": "eighty"})
    assert Settings.from_env({"REDITE_RETENTION": "2w"}).retention is not None
