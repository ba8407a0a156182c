"""Speed of the 2025 reorganisation support: ``dxnb init``, lifetime checks, and derived history in a report.

Three figures, each the median of ``--repeat`` runs, in one process (timings are never asserted):

1. ``init_dataset(province="Hồ Chí Minh")``: the registry read and the 168 current units, their former
   units and ``successions.csv`` written (target: under 2 s);
2. ``check_dataset`` of that dataset with the bundled Phú Giáo 2022–2024 observations merged in, and the
   part spent in :mod:`dxnb.validate_lifetime` (the registry is not read by ``dxnb check``; target: under 0.3 s);
3. building the Phước Hòa 2025 report's sections, and the part spent in the ``formation`` section
   (the derived history; target: under 10% of the report).

    python benchmarks/bench_lifetime.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dxnb import validate_lifetime  # noqa: E402
from dxnb.dataset import check_dataset, load_dataset  # noqa: E402
from dxnb.paths import DATA_DIR  # noqa: E402
from dxnb.provinces import init_dataset  # noqa: E402
from dxnb.report import CommuneReport  # noqa: E402


def _median(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))
        init = _median(lambda: init_dataset(province="Hồ Chí Minh", out_dir=Path(tmp) / f"hcm{next(counter)}"),
                       args.repeat)  # fmt: skip
        folder = Path(tmp) / "hcm0"
        with open(DATA_DIR / "observations.csv", encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["period"] < "2025"]
        with open(folder / "observations.csv", "a", encoding="utf-8", newline="") as handle:
            csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n").writerows(rows)
        check = _median(lambda: check_dataset(folder), args.repeat)
        spent = []
        original = validate_lifetime.check_lifetimes

        def timed(*a, **k):
            started = time.perf_counter()
            original(*a, **k)
            spent.append(time.perf_counter() - started)

        import dxnb.dataset as dataset_module

        dataset_module.check_lifetimes = timed
        try:
            check_dataset(folder)
        finally:
            dataset_module.check_lifetimes = original
    ds = load_dataset(DATA_DIR)
    report = _median(lambda: CommuneReport.build("25882", "2025", dataset=ds).sections(), args.repeat)
    built = CommuneReport.build("25882", "2025", dataset=ds)
    formation = _median(built.formation, args.repeat)
    print(f"init Hồ Chí Minh (168 units, their former units, successions): {init:.3f} s")
    print(f"check of that dataset with Phú Giáo's 2022–2024 figures: {check:.3f} s, lifetime checks {spent[0]:.3f} s")
    print(f"Phước Hòa 2025 report sections: {report:.3f} s, of which the formation section {formation:.3f} s "
          f"({formation / report:.0%})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
