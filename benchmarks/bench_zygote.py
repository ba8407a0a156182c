"""Plain kernel versus kernel forked from a zygote: CPU and wall time per commune report.

Runs ``notebooks/commune_report.ipynb`` (unit 25882, period 2024, bundled data) with papermill in one
process, ``--runs`` times each way, alternating plain and forked so that a changing machine load hits
both alike, after one untimed run of each. CPU per report is this process's CPU time during the run
plus the kernel's own (``utime + stime`` from ``/proc/<pid>/stat``, read just before the kernel is
killed), with its PSS and USS (private memory) at that moment; the zygote's one-off warm-up is
reported apart. Prints medians and the forked/plain ratios.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_zygote.py --runs 5 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KERNEL_ENV = {
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "JUPYTER_PLATFORM_DIRS": "1",
    "PYTHONWARNINGS": "ignore",
}
PARAMETERS = {"unit_code": "25882", "period": "2024"}
TICK = os.sysconf("SC_CLK_TCK")


def kernel_cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a live process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def uss_kb(pid: int) -> int:
    """Memory only this process uses (Private_Clean + Private_Dirty from smaps_rollup), in KiB."""
    total = 0
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total


def run_once(notebook: Path, zygote) -> dict:
    """One report in a kernel of its own (forked when ``zygote`` is given); its times and the kernel's PSS."""
    import papermill as pm

    from dxnb.provisioner import make_kernel_manager
    from dxnb.zygote import pss_kb

    ipc = tempfile.mkdtemp(prefix="dxnb-bench-")
    km = make_kernel_manager(zygote, kernel_name="python3", transport="ipc", ip=os.path.join(ipc, "k"))
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        pm.execute_notebook(
            str(notebook),
            None,
            parameters=PARAMETERS,
            kernel_name="python3",
            km=km,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
        )
        pid = km.provisioner.pid
        kernel_cpu, pss, uss = kernel_cpu_s(pid), pss_kb(pid), uss_kb(pid)
    finally:
        km.shutdown_kernel(now=True)
        for leftover in Path(ipc).iterdir():
            leftover.unlink()
        os.rmdir(ipc)
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu + kernel_cpu,
        "kernel_cpu_s": kernel_cpu,
        "kernel_pss_kb": pss,
        "kernel_uss_kb": uss,
    }


def main() -> int:
    """Measure and print; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "commune_report.ipynb")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.update(KERNEL_ENV)
    sys.modules.setdefault("rfc3987_syntax", None)  # as batch.py's workers do
    import papermill  # noqa: F401 - paid once, as in a worker

    from dxnb.zygote import Zygote, pss_kb

    start = time.perf_counter()
    zygote = Zygote()
    info = zygote.info  # waits until warm
    warm = {"wall_s": time.perf_counter() - start, "cpu_s": info["cpu_s"], "pss_kb": pss_kb(zygote.pid)}
    runs: dict[str, list[dict]] = {"plain": [], "forked": []}
    try:
        run_once(args.notebook, None)
        run_once(args.notebook, zygote)
        for _ in range(args.runs):
            runs["plain"].append(run_once(args.notebook, None))
            runs["forked"].append(run_once(args.notebook, zygote))
    finally:
        zygote.close()
    summary = {
        way: {key: statistics.median(run[key] for run in results) for key in results[0]}
        for way, results in runs.items()
    }
    ratio = {key: summary["forked"][key] / summary["plain"][key] for key in ("wall_s", "cpu_s", "kernel_cpu_s")}
    load = os.getloadavg()
    print(f"{args.runs} runs each, alternating; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(
        f"zygote warm-up (once per worker): {warm['cpu_s']:.2f} CPU-s, {warm['wall_s']:.2f} s, "
        f"PSS {warm['pss_kb'] / 1024:.0f} MiB"
    )
    print(f"{'median per report':<20}{'wall s':>10}{'CPU s':>10}{'kernel CPU s':>14}{'PSS MiB':>10}{'USS MiB':>10}")
    for way, row in summary.items():
        print(
            f"{way:<20}{row['wall_s']:>10.2f}{row['cpu_s']:>10.2f}{row['kernel_cpu_s']:>14.2f}"
            f"{row['kernel_pss_kb'] / 1024:>10.0f}{row['kernel_uss_kb'] / 1024:>10.0f}"
        )
    print(f"{'forked / plain':<20}{ratio['wall_s']:>10.2f}{ratio['cpu_s']:>10.2f}{ratio['kernel_cpu_s']:>14.2f}")
    if args.json:
        result = {"runs": runs, "median": summary, "ratio": ratio, "zygote": warm, "load": load}
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
