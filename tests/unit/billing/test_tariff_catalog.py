"""The catalog's precedence (EVSE > station > site > class, then the default class) and
its swap on change (a newer revision wins)."""

from __future__ import annotations

from csms.settlement.tariffs import StationAssignment, TariffCatalog
from csms.storage.tariff_files import DEFAULT_DIR, load_tariffs

TARIFFS = load_tariffs(DEFAULT_DIR)


def catalog(revision: int = 1, default_class: str | None = None) -> TariffCatalog:
    stations = {
        "S": StationAssignment("S", "dcm-yokodai", "ac", "eoc-time-example", {2: "emp-normal"}),
        "SITE": StationAssignment("SITE", "dcm-yokodai", "ac"),
        "CLASS": StationAssignment("CLASS", None, "dc_50kw_and_below"),
    }
    classes = {"ac": "emp-normal", "dc_50kw_and_below": "emp-quick-50kw"}
    sites = {"dcm-yokodai": "emp-kwh-pilot"}
    return TariffCatalog(
        TARIFFS, classes, sites, stations, default_class=default_class, revision=revision
    )


def test_the_most_specific_assignment_wins() -> None:
    book = catalog()
    assert book.explain("S", 2) is not None
    assert (book.explain("S", 2).tariff_id, book.explain("S", 2).level) == ("emp-normal", "evse")  # type: ignore[union-attr]
    assert book.resolve("S", 1).tariff_id == "eoc-time-example"
    assert book.resolve("SITE", 1).tariff_id == "emp-kwh-pilot"
    assert book.resolve("CLASS", None).tariff_id == "emp-quick-50kw"
    assert book.explain("NEW", 1) is None


def test_the_default_class_prices_stations_without_one() -> None:
    assert catalog(default_class="ac").resolve("NEW", 1).tariff_id == "emp-normal"


def test_an_older_snapshot_never_replaces_a_newer_one() -> None:
    live = catalog(revision=5)
    assert not live.install(TariffCatalog({}, {}, {}, {}, revision=4))
    assert live.resolve("S", 1).tariff_id == "eoc-time-example"
    assert live.install(TariffCatalog({}, {}, {}, {}, revision=6))
    assert live.explain("S", 1) is None
