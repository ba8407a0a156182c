"""Batch speed of ``dxnb reports`` against the naive loop, from one district to the whole country.

One run, one notebook (``notebooks/commune_report.ipynb``), synthetic datasets from
:func:`dxnb.synthetic.generate_dataset`:

1. naive loop: for each unit of a sample of the national dataset, the ``papermill`` command then
   the ``jupyter nbconvert --to html --no-input`` command, one unit at a time;
2. ``dxnb reports --force`` on the same units with forked kernels, with plain kernels, and on every
   unit of an 11-unit dataset (district scale), alternated ``--repeat`` times (medians are quoted);
   then again with unchanged inputs (warm cache);
3. ``dxnb reports --force`` on 100 units (province scale), then a warm rerun of those 100;
4. the same units and the 100 through ``--scheduler`` on a local Dask cluster (``--dask`` workers
   started with ``--nthreads 1``; skipped without ``distributed``), the 100 ``--repeat`` times,
   alternated with the local pool;
5. one run of ``--huge`` units (1,000 by default).

Every dxnb phase starts with an empty dataset cache (``DXNB_CACHE_DIR`` points into the work
folder), so each pays for validating the dataset once, as after a change of the data. CPU time is
that of the command and everything it started (workers, zygotes, kernels; the Dask processes).

Prints a table and writes the figures as JSON (``benchmarks/results/latest.json`` by default).
``--quick`` runs every phase on a tiny dataset (for the test suite; of the Dask phase, the province-scale run
only, on one worker); timings are never asserted.

    python benchmarks/bench_reports.py            # the full run (20+ minutes on 2 cores)
    python benchmarks/bench_reports.py --quick --json /tmp/bench.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dxnb import __version__  # noqa: E402
from dxnb.paths import REPORT_NOTEBOOK  # noqa: E402
from dxnb.synthetic import NATIONAL_UNITS, generate_dataset  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
BIN = Path(sys.executable).parent
PERIOD = "2025"
TARGETS = {
    "speedup": 10.0,  # naive seconds per report / dxnb seconds per report on the 11 units, at least
    "speedup_many": 15.0,  # the same on 100 units, at least
    "warm_rerun_s": 5.0,  # a warm rerun of the warm-rerun units, at most
    "scale_ratio": 1.1,  # per-report time, national / district dataset, at most
    "dask_ratio": 1.1,  # wall per report, Dask with local workers / the local pool, at most
    "html_kb": 300.0,  # HTML per report, at most
}


# ---------------------------------------------------------------------------- machine


def machine() -> dict:
    """What the figures were measured on."""
    info = {
        "nproc": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_before": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    return info


# ---------------------------------------------------------------------------- helpers


def _busy_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (from /proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    import resource

    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _children_cpu_s() -> float:
    """CPU seconds of this process's reaped children (and theirs, when they reaped them)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


class DaskCluster:
    """A ``dask scheduler`` and ``workers`` ``dask worker --nthreads 1`` processes on 127.0.0.1, for one phase."""

    def __init__(self, workers: int, work: Path, env: dict):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = _tool("dask")
        logs = work / "dask-logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = dict(env)
        env["DXNB_CACHE_DIR"] = str(work / "dask-worker-cache")  # the workers' own: they validate what they receive
        self.processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                            "--no-dashboard"], env=env, stdout=open(logs / "scheduler.log", "wb"),
                                           stderr=subprocess.STDOUT)]  # fmt: skip
        for n in range(workers):
            self.processes.append(subprocess.Popen(
                [dask, "worker", self.address, "--nthreads", "1", "--no-dashboard", "--memory-limit", "0",
                 "--host", "127.0.0.1", "--death-timeout", "60"],
                env=env, stdout=open(logs / f"worker-{n}.log", "wb"), stderr=subprocess.STDOUT))  # fmt: skip
        from distributed import Client

        deadline = time.monotonic() + 180
        while True:
            try:
                client = Client(self.address, timeout=5, set_as_default=False)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    self.close()
                    raise SystemExit("the Dask scheduler did not start") from None
                time.sleep(0.5)
        try:
            client.wait_for_workers(workers, timeout=max(5, deadline - time.monotonic()))
        finally:
            client.close()

    def cpu_s(self) -> float:
        """CPU seconds the cluster's processes and their reaped children used so far."""
        import psutil

        total = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                top = psutil.Process(process.pid)
                for p in [top, *top.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        t = p.cpu_times()
                        total += t.user + t.system + t.children_user + t.children_system
        return total

    def close(self) -> None:
        """Stop the workers, then the scheduler (bounded waits)."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _env(cache: Path) -> dict:
    env = dict(os.environ)
    env["DXNB_CACHE_DIR"] = str(cache)
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONWARNINGS"] = "ignore"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)  # this dxnb
    return env


def _fresh_cache(cache: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)


def sample_codes(data: Path, size: int) -> list[str]:
    """``size`` unit codes spread evenly over the dataset (so over its provinces)."""
    import csv

    with open(data / "units.csv", encoding="utf-8", newline="") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    if size >= len(codes):
        return codes
    step = len(codes) / size
    return [codes[int(i * step + step / 2)] for i in range(size)]


def naive_loop(data: Path, codes: list[str], work: Path, cache: Path) -> dict:
    """The papermill command then the nbconvert command, one unit at a time."""
    folder = work / "naive"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _fresh_cache(cache)
    env = _env(cache)
    times, sizes = [], []
    cpu_before = _children_cpu_s()
    for code in codes:
        out = folder / f"{code}.ipynb"
        started = time.perf_counter()
        subprocess.run(
            [_tool("papermill"), str(REPORT_NOTEBOOK), str(out), "-k", "python3", "--no-progress-bar",
             "-r", "unit_code", code, "-r", "period", PERIOD, "-r", "data_dir", str(data), "-r", "lang", "vi"],
            check=True, env=env, cwd=folder, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [_tool("jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
            check=True, env=env, cwd=folder, capture_output=True,
        )  # fmt: skip
        times.append(time.perf_counter() - started)
        sizes.append(out.with_suffix(".html").stat().st_size)
    cpu = _children_cpu_s() - cpu_before
    return {
        "reports": len(codes),
        "cpu_per_report_s": round(cpu / len(codes), 3),
        "total_s": round(sum(times), 3),
        "per_report_s": [round(t, 3) for t in times],
        "median_per_report_s": _median(times),
        "median_html_kb": _median([s / 1024 for s in sizes]),
    }


def dxnb_reports(data: Path, codes: list[str], out: Path, cache: Path, *, force: bool, jobs: int,
                 fresh_cache: bool = True, kernel: str = "fork",
                 cluster: DaskCluster | None = None) -> dict:  # fmt: skip
    """Run the ``dxnb reports`` command on ``codes``; return its wall and CPU time and the manifest's figures.

    CPU time is that of the command and every process it started and reaped (workers, zygotes,
    kernels); with ``cluster``, also what the scheduler and the Dask workers (and their kernels) used.
    """
    if fresh_cache:
        _fresh_cache(cache)
    command = [sys.executable, "-m", "dxnb", "reports", "--data", str(data), "--period", PERIOD, "--out", str(out),
               "--jobs", str(jobs), "--kernel", kernel, "--units", *codes]  # fmt: skip
    if cluster is not None:
        command += ["--scheduler", cluster.address]
    if force:
        command.append("--force")
    cpu_before, cluster_before = _children_cpu_s(), cluster.cpu_s() if cluster else 0.0
    started = time.perf_counter()
    run = subprocess.run(command, env=_env(cache), capture_output=True, text=True)
    wall = time.perf_counter() - started
    cpu = _children_cpu_s() - cpu_before + (cluster.cpu_s() - cluster_before if cluster else 0.0)
    if run.returncode != 0:
        raise SystemExit(f"dxnb reports failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    manifest = json.loads((out / PERIOD / "manifest.json").read_text(encoding="utf-8"))
    entries = [manifest["units"][c] for c in codes if c in manifest["units"]]
    durations = [e["duration_s"] for e in entries if e.get("duration_s")]
    rss = [e.get("peak_rss_kb") or 0 for e in entries]
    sizes = [(out / PERIOD / e["html"]).stat().st_size for e in entries]
    summary = run.stdout.strip().splitlines()[0] if run.stdout.strip() else ""
    rendered = int(m.group(1)) if (m := re.search(r"(\d+) rendered", summary)) else None
    if not force and rendered:
        print(f"warning: the warm run rendered {rendered} report(s): an input changed during the benchmark "
              "(the notebook, the template or the data)", file=sys.stderr)  # fmt: skip
    return {
        "reports": len(codes),
        "force": force,
        "kernel": kernel,
        "dask": cluster is not None,
        "wall_s": round(wall, 3),
        "wall_per_report_s": round(wall / len(codes), 3),
        "cpu_s": round(cpu, 2),
        "cpu_per_report_s": round(cpu / len(codes), 3),
        "load_avg_after": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        # for a warm run the manifest holds the durations of the earlier renders: not this run's
        "median_report_s": _median(durations) if force else None,
        "max_worker_rss_mb": round(max(rss) / 1024, 1) if force and any(rss) else None,
        # each rendered report records its worker's and kernel's peak memory (a working kernel is over 50 MB)
        "min_worker_rss_mb": round(min(rss) / 1024, 1) if force and rss else None,
        "median_html_kb": _median([s / 1024 for s in sizes]),
        "max_html_kb": round(max(sizes) / 1024, 1),
        "summary": summary,
        "rendered": rendered,
    }


# ---------------------------------------------------------------------------- the run


def _med(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def _ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    return round(a / b, digits) if a and b else None


def run(args: argparse.Namespace) -> dict:
    """Every phase, in one run; return the figures."""
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="dxnb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache"
    say = print if not args.quiet else (lambda *a, **k: None)

    host = machine()
    busy_before, own_before = _busy_cpu_s(), _own_cpu_s()
    started = time.perf_counter()
    national = generate_dataset(args.units, work / f"data-{args.units}", seed=args.seed)
    district = generate_dataset(args.district_units, work / f"data-{args.district_units}", seed=args.seed)
    generated_s = time.perf_counter() - started
    say(f"datasets: {args.units} and {args.district_units} units in {generated_s:.1f} s ({work})")

    sample = sample_codes(national, args.sample)
    naive_codes = sample[: args.naive] if args.naive else sample
    small_codes = sample_codes(district, args.sample)
    jobs = args.jobs

    def reports(data, codes, out, **kw):
        say(f"  dxnb reports {'--force ' if kw.get('force', True) else ''}{len(codes)} unit(s) "
            f"[{kw.get('kernel', 'fork')}{', dask' if kw.get('cluster') else ''}] …")  # fmt: skip
        kw.setdefault("force", True)
        return dxnb_reports(data, codes, work / out, cache, jobs=jobs, **kw)

    say(f"naive loop on {len(naive_codes)} unit(s) …")
    naive = naive_loop(national, naive_codes, work, cache)
    # Alternated, so that the machine's load (shared) weighs on each kind alike; medians are quoted.
    fork_same, plain_same, district_runs = [], [], []
    for _ in range(args.repeat):
        fork_same.append(reports(national, naive_codes, "out-same"))
        plain_same.append(reports(national, naive_codes, "out-same-plain", kernel="plain"))
        district_runs.append(reports(district, small_codes, "out-district"))
    big_out = "out-same"
    if naive_codes != sample:
        fork_same = [reports(national, sample, "out-national")]
        big_out = "out-national"
    say("… again with unchanged inputs (warm)")
    same_warm = reports(national, sample, big_out, force=False, fresh_cache=False)

    warm_codes = sample_codes(national, args.warm)
    cold_many = reports(national, warm_codes, "out-many")
    warm_many = reports(national, warm_codes, "out-many", force=False, fresh_cache=False)
    plain_many = reports(national, warm_codes, "out-many-plain", kernel="plain") if args.plain_many else None

    dask_same = None
    many_runs, dask_many_runs = [cold_many], []  # the local pool's runs of the 100, and the cluster's
    if args.dask:
        say(f"Dask: a scheduler and {args.dask} worker(s) --nthreads 1 on 127.0.0.1 …")
        cluster = DaskCluster(args.dask, work, _env(cache))
        try:
            # The same units twice (the first run warms the workers up), then the 100. --quick, which only
            # checks that the phase runs, renders the 100 (its ratio) alone: each run costs a whole batch.
            if not args.quick:
                dask_first = reports(national, naive_codes, "out-dask-same", cluster=cluster)
                dask_same = reports(national, naive_codes, "out-dask-same", cluster=cluster)
                dask_same["first_run_wall_s"] = dask_first["wall_s"]
            # The 100 on the cluster --repeat times, alternated with the local pool (the first cluster run is
            # compared with the local run above): a shared machine's load weighs on both alike, medians are quoted.
            for i in range(args.repeat):
                if i:
                    many_runs.append(reports(national, warm_codes, "out-many-again"))
                dask_many_runs.append(reports(national, warm_codes, "out-dask-many", cluster=cluster))
        finally:
            cluster.close()
    huge = None
    if args.huge:
        huge = reports(national, sample_codes(national, args.huge), "out-huge")

    naive_per = naive["median_per_report_s"]
    same_per = _med(fork_same, "wall_per_report_s")
    figures = {
        "naive": naive,
        "dxnb_same_units": fork_same[0],
        "dxnb_same_units_runs": fork_same,
        "dxnb_same_units_plain_runs": plain_same,
        "dxnb_national_sample": fork_same[0],
        "dxnb_national_sample_warm": same_warm,
        "dxnb_district": district_runs[0],
        "dxnb_district_runs": district_runs,
        "dxnb_many_cold": cold_many,
        "dxnb_many_cold_runs": many_runs,
        "dxnb_many_warm": warm_many,
        "dxnb_many_plain": plain_many,
        "dask_same_units": dask_same,
        "dask_many": dask_many_runs[0] if dask_many_runs else None,
        "dask_many_runs": dask_many_runs,
        "dxnb_huge": huge,
    }
    speedup = _ratio(naive_per, same_per)
    many_per = _med(many_runs, "wall_per_report_s")
    speedup_many = _ratio(naive_per, many_per)
    scale = _ratio(_med(fork_same, "median_report_s"), _med(district_runs, "median_report_s"), 3)
    scale_wall = _ratio(same_per, _med(district_runs, "wall_per_report_s"), 3)
    scale_cpu = _ratio(_med(fork_same, "cpu_per_report_s"), _med(district_runs, "cpu_per_report_s"), 3)
    dask_ratio = _ratio(_med(dask_many_runs, "wall_per_report_s"), many_per, 3) if dask_many_runs else None
    rss = [r["min_worker_rss_mb"] for r in (*fork_same, *district_runs, cold_many) if r["min_worker_rss_mb"]]
    min_rss = min(rss) if rss else None
    html_kb = max(r["max_html_kb"] for r in (*fork_same, *district_runs, cold_many, *(x for x in [huge] if x)))
    checks = {
        "speedup": {"value": speedup, "target": f">= {TARGETS['speedup']}",
                    "met": bool(speedup and speedup >= TARGETS["speedup"]),
                    "note": f"naive median s/report over dxnb wall s/report, same {len(naive_codes)} units "
                            f"(median of {len(fork_same)} runs)"},
        "speedup_province_batch": {"value": speedup_many, "target": f">= {TARGETS['speedup_many']}",
                                   "met": bool(speedup_many and speedup_many >= TARGETS["speedup_many"]),
                                   "note": f"naive median s/report over dxnb wall s/report on {len(warm_codes)} units"},
        "fork_over_plain": {"value": _ratio(_med(plain_same, "wall_per_report_s"), same_per), "target": "info",
                            "note": "plain-kernel wall s/report over forked, same units"},
        "warm_rerun_s": {"value": warm_many["wall_s"], "target": f"< {TARGETS['warm_rerun_s']}",
                         "met": warm_many["wall_s"] < TARGETS["warm_rerun_s"],
                         "note": f"dxnb reports on {len(warm_codes)} unchanged units, command wall time"},
        "scale_ratio": {"value": scale, "target": f"<= {TARGETS['scale_ratio']}",
                        "met": bool(scale and scale <= TARGETS["scale_ratio"]),
                        "wall_ratio": scale_wall, "cpu_ratio": scale_cpu,
                        "note": f"median s/report, {len(sample)} of {args.units} units over "
                                f"{len(small_codes)} of {args.district_units}"},
        "dask_over_local": {"value": dask_ratio, "target": f"<= {TARGETS['dask_ratio']}",
                            "met": bool(dask_ratio and dask_ratio <= TARGETS["dask_ratio"]),
                            "note": f"wall s/report on {len(warm_codes)} units, Dask ({_workers_label(args.dask)}) "
                                    f"over the local pool (medians of {len(dask_many_runs)} and {len(many_runs)} runs, "
                                    "alternated)"},
        "worker_rss_mb": {"value": min_rss, "target": "> 50", "met": bool(min_rss and min_rss > 50),
                          "note": "smallest worker + kernel memory (PSS) recorded for a report (each is measured)"},
        "html_kb": {"value": html_kb, "target": f"<= {TARGETS['html_kb']:.0f}",
                    "met": html_kb <= TARGETS["html_kb"], "note": "largest report HTML"},
    }  # fmt: skip
    result = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "dxnb_version": __version__,
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": host,
        "parameters": {
            "units": args.units,
            "district_units": args.district_units,
            "sample": len(sample),
            "naive": len(naive_codes),
            "warm": len(warm_codes),
            "huge": args.huge,
            "dask_workers": args.dask,
            "repeat": args.repeat,
            "jobs": args.jobs,
            "seed": args.seed,
            "period": PERIOD,
            "quick": args.quick,
        },
        "dataset_generation_s": round(generated_s, 2),
        "figures": figures,
        "targets": checks,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    busy_after = _busy_cpu_s()
    if busy_before is not None and busy_after is not None:
        # CPU time the rest of the machine used meanwhile: a shared machine's noise, as a share of
        # the run's CPU capacity (0 on an otherwise idle machine).
        other = max(0.0, (busy_after - busy_before) - (_own_cpu_s() - own_before))
        result["machine"]["other_processes_cpu_share"] = round(other / (result["elapsed_s"] * (os.cpu_count() or 1)), 3)
        result["machine"]["own_cpu_s"] = round(_own_cpu_s() - own_before, 1)
        result["machine"]["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    if not args.work and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _workers_label(n: int) -> str:
    return f"{n} local worker{'s' if n != 1 else ''}"


def table(result: dict) -> str:
    """The figures as a Markdown table (also pasted into benchmarks/README.md)."""
    f, t, p = result["figures"], result["targets"], result["parameters"]

    def s(x, unit="s"):
        return "—" if x is None else f"{x:.2f} {unit}" if isinstance(x, float) else f"{x} {unit}"

    rows = [
        ("naive loop (papermill + nbconvert commands)", f["naive"]["reports"], s(f["naive"]["total_s"]),
         s(f["naive"]["median_per_report_s"]) + " (median)", s(f["naive"]["cpu_per_report_s"]), "—", "—",
         s(f["naive"]["median_html_kb"], "KB")),
    ]  # fmt: skip
    labels = [
        ("dxnb_same_units_runs", "dxnb --force, same units, forked kernels"),
        ("dxnb_same_units_plain_runs", "dxnb --force, same units, plain kernels"),
        ("dxnb_national_sample_warm", "… again, unchanged inputs"),
        ("dxnb_district_runs", f"dxnb --force, {p['district_units']}-unit dataset"),
        ("dxnb_many_cold_runs", f"dxnb --force, {p['warm']} units of {p['units']}"),
        ("dxnb_many_warm", f"… again, unchanged inputs ({p['warm']} units)"),
        ("dxnb_many_plain", f"dxnb --force, {p['warm']} units, plain kernels"),
        ("dask_same_units", f"Dask, {_workers_label(p['dask_workers'])}, same units (warm workers)"),
        ("dask_many_runs", f"Dask, {_workers_label(p['dask_workers'])}, {p['warm']} units"),
        ("dxnb_huge", f"dxnb --force, {p['huge']} units of {p['units']} (one run)"),
    ]
    for key, label in labels:
        runs = f.get(key)
        if not runs:
            continue
        runs = runs if isinstance(runs, list) else [runs]
        r = runs[0]
        n = f" (median of {len(runs)})" if len(runs) > 1 else ""
        rows.append(
            (label + n, r["reports"], s(_med(runs, "wall_s")), s(_med(runs, "wall_per_report_s")),
             s(_med(runs, "cpu_per_report_s")) if r["force"] else "—",
             s(_med(runs, "median_report_s")) if r["force"] else "cached",
             s(_med(runs, "max_worker_rss_mb"), "MB") if r["force"] else "—",
             s(_med(runs, "median_html_kb"), "KB"))
        )  # fmt: skip
    head = ("run", "reports", "wall", "wall / report", "CPU / report", "median report", "peak worker + kernel PSS",
            "median HTML")  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines.append("")
    lines.append("| target | measured | wanted | met |")
    lines.append("|---|---|---|---|")
    for key, check in t.items():
        if check["target"] == "info":
            lines.append(f"| {key} ({check['note']}) | {check['value']} | — | — |")
            continue
        extra = "".join(f"; {k.replace('_', ' ')} {check[k]}" for k in ("wall_ratio", "cpu_ratio") if k in check)
        lines.append(
            f"| {key} ({check['note']}{extra}) | {check['value']} | {check['target']} | "
            f"{'yes' if check['met'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny N: checks that the benchmark runs")
    parser.add_argument("--units", type=int, default=None, help=f"national dataset size (default {NATIONAL_UNITS})")
    parser.add_argument("--district-units", type=int, default=None, help="district dataset size (default 11)")
    parser.add_argument("--sample", type=int, default=None, help="units rendered from each dataset (default 11)")
    parser.add_argument("--naive", type=int, default=None, help="units for the naive loop (default: the sample)")
    parser.add_argument("--warm", type=int, default=None, help="units of the cold + warm rerun (default 100)")
    parser.add_argument("--huge", type=int, default=None, help="units of a single large run (default 1000; 0: none)")
    parser.add_argument(
        "--dask",
        type=int,
        default=None,
        help="local Dask workers for the Dask phase (default 2 when distributed is installed; 0: none)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="alternated runs of the 11-unit phases, and of the 100 on Dask and locally (default 2)",
    )
    parser.add_argument("--plain-many", action="store_true", help="also render the 100 units with plain kernels")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="dxnb worker processes")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--work", default=None, help="work folder (default: a temporary one, removed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--json", default=None, help=f"where to write the figures (default {RESULTS})")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    try:
        import distributed  # noqa: F401

        dask = 2
    except ImportError:
        dask = 0
    quick = {"units": 40, "district_units": 5, "sample": 1, "naive": 1, "warm": 2, "huge": 0, "dask": min(dask, 1),
             "repeat": 1}  # fmt: skip
    full = {"units": NATIONAL_UNITS, "district_units": 11, "sample": 11, "naive": 0, "warm": 100, "huge": 1000,
            "dask": dask, "repeat": 2}  # fmt: skip
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    result = run(args)
    out = Path(args.json) if args.json else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    print()
    print(table(result))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
