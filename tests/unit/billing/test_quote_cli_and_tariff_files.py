"""The ``csms quote`` contract and tariff-file validation messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from csms.billing.tariff import TariffError
from csms.cli import main
from csms.storage.tariff_files import DEFAULT_DIR, load_catalog, load_tariffs


def quote(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["quote", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_quote_prints_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON object: ids, lines with kind/quantity/unit/unit_price/amount, yen strings."""
    code, out, _ = quote(
        capsys,
        "--tariff",
        "emp-kwh-pilot",
        "--start",
        "2025-02-10T01:00:00Z",
        "--stop",
        "2025-02-10T10:12:20+09:00",
        "--energy-wh",
        "12345.6",
    )
    assert code == 0
    assert json.loads(out) == {
        "tariff_id": "emp-kwh-pilot",
        "tariff_version": "2025-02-03",
        "lines": [
            {
                "kind": "energy",
                "quantity": "12.345",
                "unit": "kWh",
                "unit_price": "82.5",
                "amount": "1018",
            },
            {
                "kind": "time",
                "quantity": "13",
                "unit": "min",
                "unit_price": "27.5",
                "amount": "357",
            },
        ],
        "total": "1375",
        "tax_included": "125",
        "currency": "JPY",
    }


def test_quote_exits_2_when_no_version_is_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    """A start outside every period: the reason on stderr, exit code 2, nothing on stdout."""
    code, out, err = quote(
        capsys,
        "--tariff",
        "emp-kwh-pilot",
        "--start",
        "2025-03-31T15:00:00+00:00",
        "--stop",
        "2025-03-31T16:00:00+00:00",
        "--energy-wh",
        "1000",
    )
    assert code == 2
    assert out == ""
    assert "no version in force on 2025-04-01 (JST)" in err


@pytest.mark.parametrize(
    "args",
    [
        [
            "--tariff",
            "nope",
            "--start",
            "2025-01-01T00:00:00Z",
            "--stop",
            "2025-01-01T01:00:00Z",
            "--energy-wh",
            "1",
        ],
        [
            "--tariff",
            "emp-normal",
            "--start",
            "2025-01-01T00:00:00",
            "--stop",
            "2025-01-01T01:00:00Z",
            "--energy-wh",
            "1",
        ],
        [
            "--tariff",
            "emp-normal",
            "--start",
            "2025-01-01T00:00:00Z",
            "--stop",
            "2025-01-01T01:00:00Z",
            "--energy-wh",
            "lots",
        ],
        [
            "--tariff",
            "emp-normal",
            "--start",
            "2025-01-01T00:00:00Z",
            "--stop",
            "2025-01-01T01:00:00Z",
            "--energy-wh",
            "-5",
        ],
    ],
)
def test_quote_refuses_bad_input_with_exit_1(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Unknown tariff, a timestamp without offset, bad or negative energy: exit 1, a reason."""
    code, out, err = quote(capsys, *args)
    assert code == 1
    assert out == ""
    assert err.startswith("csms: ")


def test_shipped_tariffs_and_assignments_load() -> None:
    """Every shipped tariff has its id as file name; the example ones say so."""
    tariffs = load_tariffs(DEFAULT_DIR)
    assert set(tariffs) == {
        "smart-oasis-tokigawa",
        "emp-quick-90kw",
        "emp-quick-50kw",
        "emp-normal",
        "emp-kwh-pilot",
        "eoc-time-example",
        "eoc-energy-example",
    }
    assert tariffs["eoc-time-example"].example
    assert "EXAMPLE" in tariffs["eoc-time-example"].name
    assert not tariffs["emp-normal"].example
    catalog = load_catalog(DEFAULT_DIR)
    assert catalog.resolve("A21782S00006", 1).tariff_id == "smart-oasis-tokigawa"
    assert catalog.resolve("A21782S00006", 2).tariff_id == "smart-oasis-tokigawa"


@pytest.fixture
def tariff_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tariffs"
    shutil.copytree(DEFAULT_DIR, folder)
    return folder


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        (
            "emp-normal.json",
            lambda d: d["versions"][0]["components"][0].update(block_price=1.5),
            "emp-normal.json: versions[0].components[0].block_price: must be whole yen",
        ),
        (
            "emp-normal.json",
            lambda d: d["versions"][0]["components"][0].pop("per_minute_price"),
            "emp-normal.json: versions[0].components[0].per_minute_price: is required",
        ),
        (
            "emp-kwh-pilot.json",
            lambda d: d["versions"][1].update(valid_from="2024-11-30"),
            "emp-kwh-pilot.json: versions[1].valid_from: version '2024-12-02' overlaps",
        ),
        (
            "emp-normal.json",
            lambda d: d.update(id="other"),
            "emp-normal.json: id: must equal the file name 'emp-normal'",
        ),
        (
            "emp-normal.json",
            lambda d: d["versions"][0]["components"][0].update(type="bogus"),
            "emp-normal.json: versions[0].components[0].type: unknown component type 'bogus'",
        ),
    ],
)
def test_a_bad_tariff_file_names_the_file_and_field(
    tariff_dir: Path, file: str, edit: object, message: str
) -> None:
    """Validation at load says which file and which field is wrong."""
    path = tariff_dir / file
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TariffError) as raised:
        load_tariffs(tariff_dir)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("station", "message"),
    [
        (
            {"current": "DC", "max_power_kw": "60"},
            "stations.X: a DC charger of 60 kW fits no class",
        ),
        (
            {"current": "DC", "max_power_kw": "60", "site": "nowhere"},
            "stations.X.site: unknown site 'nowhere'",
        ),
        (
            {"current": "AC", "max_power_kw": "6", "tariff": "missing"},
            "stations.X.tariff: unknown tariff 'missing'",
        ),
        ({"current": "XX", "max_power_kw": "6"}, "stations.X.current: must be 'AC' or 'DC'"),
    ],
)
def test_bad_assignments_are_reported_at_load(
    tariff_dir: Path, station: dict[str, str], message: str
) -> None:
    """A charger that fits no class without a tariff, or a dangling name, fails the load."""
    path = tariff_dir / "assignments.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["stations"]["X"] = station
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TariffError) as raised:
        load_catalog(tariff_dir)
    assert message in str(raised.value)


def test_a_60kw_charger_with_a_site_tariff_is_fine(tariff_dir: Path) -> None:
    """An explicit (site) tariff makes a classless charger acceptable."""
    path = tariff_dir / "assignments.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["stations"]["X"] = {"current": "DC", "max_power_kw": "60", "site": "dcm-yokodai"}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_catalog(tariff_dir).resolve("X", 1).tariff_id == "emp-kwh-pilot"


def test_the_billing_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """A tiny run of bench/billing.py keeps the benchmark working (figures are not asserted)."""
    from bench.billing import run

    result = run(200, 1)
    assert result["sessions"] == 200
    assert int(str(result["sessions_per_second"])) > 0
