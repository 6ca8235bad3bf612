"""Wire mappings keep what the station sent; settings validate at start-up."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from csms.handlers.v16 import mapping as v16
from csms.handlers.v201 import mapping as v201
from csms.settings import Settings

OCMF = 'OCMF|{"FV":"1.0","RD":[{"RV":"0.2598","RI":"1-b:1.8.0","RU":"kWh"}]}|{"SD":"3045"}'


def test_v16_signed_data_is_kept_verbatim() -> None:
    """A 1.6 SignedData sampled value is stored as sent, with no number made of it."""
    samples = v16.to_samples(
        [
            {
                "timestamp": "2025-01-01T00:00:00Z",
                "sampled_value": [
                    {"value": OCMF, "format": "SignedData", "context": "Transaction.End"},
                    {"value": "259.8", "unit": "kWh"},
                ],
            }
        ]
    )
    assert samples[0].signed_data == OCMF
    assert samples[0].value is None
    assert samples[1].value == Decimal("259.8")
    assert samples[1].unit == "kWh"
    assert samples[1].measurand == "Energy.Active.Import.Register"


def test_v16_connector_zero_is_the_whole_station() -> None:
    """1.6 connector N is EVSE N connector 1; connector 0 is EVSE 0 connector 0."""
    assert v16.to_evse(0) == (0, 0)
    assert v16.to_evse(2) == (2, 1)


def test_v201_signed_meter_value_and_multiplier_are_kept() -> None:
    """2.0.1 signedMeterValue fields and unitOfMeasure are stored as sent."""
    samples = v201.to_samples(
        [
            {
                "timestamp": "2025-01-01T00:00:00Z",
                "sampled_value": [
                    {
                        "value": 12,
                        "unit_of_measure": {"unit": "kWh", "multiplier": 3},
                        "signed_meter_value": {
                            "signed_meter_data": OCMF,
                            "signing_method": "ECDSA",
                            "encoding_method": "OCMF",
                            "public_key": "3059",
                        },
                    }
                ],
            }
        ]
    )
    assert samples[0].signed_data == OCMF
    assert (samples[0].signing_method, samples[0].encoding_method) == ("ECDSA", "OCMF")
    assert samples[0].multiplier == 3
    assert samples[0].value == Decimal(12)


def test_development_mode_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off by default, also with the embedded database; on only when asked for."""
    monkeypatch.delenv("CSMS_DEV_MODE", raising=False)
    monkeypatch.delenv("CSMS_DATABASE_URL", raising=False)
    assert Settings().uses_embedded_database
    assert Settings().auto_register_stations is False
    assert Settings(database_url="postgresql://x@h/db").auto_register_stations is False
    assert Settings(dev_mode=True).auto_register_stations
    monkeypatch.setenv("CSMS_DEV_MODE", "true")
    assert Settings().auto_register_stations


def test_bad_settings_fail_fast(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A wrong DSN scheme, port or unknown key stops start-up with a message."""
    with pytest.raises(ValidationError):
        Settings(database_url="mysql://x")
    with pytest.raises(ValidationError):
        Settings(port=70000)
    config = tmp_path / "csms.toml"
    config.write_text("port = 9100\nheartbeat_interval_s = 60\n")
    monkeypatch.setenv("CSMS_CONFIG_FILE", str(config))
    monkeypatch.setenv("CSMS_HEARTBEAT_INTERVAL_S", "120")
    settings = Settings()
    assert settings.port == 9100  # from the file
    assert settings.heartbeat_interval_s == 120  # environment wins over the file
    config.write_text("colour = 'red'\n")
    with pytest.raises(ValidationError):
        Settings()


def test_every_setting_is_documented_and_the_example_file_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """config/README.md has a row per key; config/csms.example.toml is a valid file."""
    root = Path(__file__).resolve().parents[2]
    documented = (root / "config" / "README.md").read_text(encoding="utf-8")
    assert [key for key in Settings.model_fields if f"`{key}`" not in documented] == []
    monkeypatch.setenv("CSMS_CONFIG_FILE", str(root / "config" / "csms.example.toml"))
    assert Settings().port == 9000


def test_a_renamed_setting_still_counts_from_its_old_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CSMS_METER_VALUE_BATCH_MS (now group_commit_ms) is not silently ignored; the new name
    and a command-line value win over it."""
    from csms.settings import load_settings

    monkeypatch.setenv("CSMS_METER_VALUE_BATCH_MS", "0")
    assert load_settings().group_commit_ms == 0
    assert load_settings(group_commit_ms=5).group_commit_ms == 5
    monkeypatch.setenv("CSMS_GROUP_COMMIT_MS", "3")
    assert load_settings().group_commit_ms == 3
