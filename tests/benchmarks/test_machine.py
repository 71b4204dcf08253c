"""What the benchmarks record of the machine: proactive page reclaim (DAMON)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.machine import page_reclaim


def _kdamond(root: Path, *, state: str, action: str, age: int, aggregate_us: int) -> None:
    context = root / "0" / "contexts" / "0"
    (root / "0").mkdir(parents=True)
    (root / "0" / "state").write_text(state + "\n")
    (context / "monitoring_attrs" / "intervals").mkdir(parents=True)
    (context / "monitoring_attrs" / "intervals" / "aggr_us").write_text(f"{aggregate_us}\n")
    (context / "schemes" / "0" / "access_pattern" / "age").mkdir(parents=True)
    (context / "schemes" / "0" / "action").write_text(action + "\n")
    (context / "schemes" / "0" / "access_pattern" / "age" / "min").write_text(f"{age}\n")


def test_a_pageout_scheme_is_described_with_its_idle_time(tmp_path: Path) -> None:
    _kdamond(tmp_path, state="on", action="pageout", age=12, aggregate_us=5_000_000)
    assert page_reclaim(tmp_path) == "pages out memory left idle for 60 s (DAMON, action pageout)"


def test_no_reclaim_when_off_or_another_action_or_absent(tmp_path: Path) -> None:
    _kdamond(tmp_path / "off", state="off", action="pageout", age=12, aggregate_us=5_000_000)
    _kdamond(tmp_path / "stat", state="on", action="stat", age=12, aggregate_us=5_000_000)
    assert page_reclaim(tmp_path / "off") is None
    assert page_reclaim(tmp_path / "stat") is None
    assert page_reclaim(tmp_path / "missing") is None
