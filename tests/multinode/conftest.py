"""The multi-node tests: a real swarm of nested Docker engines (tests/support/swarm_bed.py),
brought up once for every test in this folder and removed after the last one. Marked
`multinode` (and `integration`): `pytest -m "not multinode"` leaves them out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.swarm import BUSYBOX
from tests.support.swarm_bed import SwarmBed, describe

HERE = Path(__file__).parent
BED_NAME = "zane-test-bed"  # not the script's default: a test run never removes a bed made by hand
REPORT: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.multinode)


@pytest.fixture(scope="package")
def swarm_bed() -> Iterator[SwarmBed]:
    """1 manager + 2 workers, Ready, with the busybox image on every node."""
    with SwarmBed(BED_NAME).up() as bed:
        bed.load_image(BUSYBOX)
        REPORT.extend(describe(bed))
        yield bed
        REPORT.append("  after the tests:")
        REPORT.extend(line for line in describe(bed) if "RSS" in line)


@pytest.fixture
def bed(swarm_bed: SwarmBed) -> SwarmBed:
    """The shared bed, repaired first if an earlier test left an engine down."""
    swarm_bed.ensure_ready()
    return swarm_bed


@pytest.fixture(scope="session")
def bed_report() -> list[str]:
    """Lines a test adds to the run's "multi-node bed" summary (what it measured)."""
    return REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the bed cost (CI's budget): time to come up, memory of the nested engines."""
    if REPORT:
        terminalreporter.section("multi-node bed")
        for line in REPORT:
            terminalreporter.write_line(line)
