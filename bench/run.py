"""efctl's benchmark through the real command, against a floor measured in the same run.

    python bench/run.py --size M [--backend URL] [--no-init] [--peer]

Generates the fleet (bench/fleet.py) under bench/fleets/SIZE unless it is there, seeds the bank
with ``efctl sandbox init`` (timed), then times ``efctl plan`` as a subprocess (wall, CPU, peak
RSS), cold (no parse cache) and warm (the cache the cold run wrote), and breaks one plan down
by phase in process. The floor is what no planner can avoid: libyaml's CSafeLoader parse of the
same files and one bare SELECT of the bank's rights. The naive peer is DeepDiff over the same
resolved desired and actual rights. A table goes to stdout, one JSON line to
bench/results.jsonl. Other processes share the machine: compare ratios to the floor, and
read the load averages printed with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402
from fleet import SIZES, generate  # noqa: E402

RESULTS = HERE / "results.jsonl"


def run_command(args: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Wall and CPU seconds and peak RSS (MiB) of one subprocess.

    GNU time measures it where it is installed: a child forked from this (large) process
    would otherwise count the parent's pages it shared before exec in its peak RSS.
    """
    timer = shutil.which("time", path="/usr/bin:/bin")
    report = Path(tempfile.mkstemp(prefix="efctl-bench-")[1])
    prefix = [timer, "-o", str(report), "-f", "%e %U %S %M"] if timer else []
    started = time.perf_counter()
    process = subprocess.Popen(
        [*prefix, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        raise SystemExit(f"{' '.join(args)} failed ({code}):\n{stderr[-2000:]}")
    cpu, rss_kib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    if timer:
        fields = report.read_text().split()[-4:]
        cpu, rss_kib = float(fields[1]) + float(fields[2]), int(fields[3])
    report.unlink(missing_ok=True)
    return {"wall": round(wall, 3), "cpu": round(cpu, 3), "rss_mib": round(rss_kib / 1024, 1)}


class Phases:
    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0) + time.process_time() - cpu


def floor(fleet: Path, backend: str) -> dict:
    """CSafeLoader on the same files plus one SELECT of every right: the least any plan does."""
    from efctl.sandbox.sql import connect

    wall, cpu = time.perf_counter(), time.process_time()
    for path in sorted((fleet / "clients").glob("*.yaml")):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    database = connect(backend)
    try:
        rows = database.query("SELECT client_id, user_id, contract_id, profile FROM authorizations")
    finally:
        database.close()
    return {
        "wall": round(time.perf_counter() - wall, 3),
        "cpu": round(time.process_time() - cpu, 3),
        "rights_at_bank": len(rows),
    }


def breakdown(fleet: Path, backend: str, peer: bool) -> dict:
    """One plan of the fleet in process, phase by phase, through efctl's own functions."""
    from datetime import date

    from efctl.catalog import load_catalog
    from efctl.declarations.loader import load_document
    from efctl.declarations.schema import load_schema, schema_diagnostics, with_catalog
    from efctl.sandbox import open_store
    from reconcile.checks import check_client
    from reconcile.planner import assemble, plan_client
    from reconcile.resolve import resolve_client

    phases = Phases()
    catalog = load_catalog()
    schema = with_catalog(load_schema("client"), catalog)
    paths = sorted((fleet / "clients").glob("*.yaml"))
    with phases("load"):
        documents = [load_document(p) for p in paths]
    with phases("schema"):
        problems = [d for doc in documents for d in schema_diagnostics(doc, schema)]
    assert not problems, problems[:3]
    from efctl.declarations.convert import to_client_spec

    with phases("convert"):
        specs = [to_client_spec(doc.data) for doc in documents]
    store = open_store(backend)
    try:
        with phases("read bank"):
            states = {s.id: store.read_client(s.id) for s in specs}
            last = {s.id: store.last_applied_values(s.id) for s in specs}
    finally:
        store.close()
    with phases("resolve"):
        resolutions = [resolve_client(s, states[s.id].contracts, catalog) for s in specs]
    with phases("checks"):
        for spec, resolution in zip(specs, resolutions, strict=True):
            check_client(
                spec, states[spec.id], catalog, date.today(), bank_known=True,
                resolution=resolution,
            )  # fmt: skip
    with phases("diff"):
        plans = [
            plan_client(spec, resolution, states[spec.id], catalog, last[spec.id])[0]
            for spec, resolution in zip(specs, resolutions, strict=True)
        ]
    with phases("render"):
        from efctl.render.plan_text import render_text

        plan = assemble(
            plans, commit=None, inputs_digest="sha256:0", allow_mass_removal=False,
            diagnostics=[],
        )  # fmt: skip
        plan = dataclasses.replace(plan, created_at="2026-01-01T00:00:00+00:00")
        document = plan.to_json()
        json.dumps(document, indent=2, ensure_ascii=False)
        render_text(document, color=False, width=100)
    rights = sum(len(u.rights) for r in resolutions for u in r.users.values())
    result = {
        "phases_wall": {k: round(v, 3) for k, v in phases.wall.items()},
        "phases_cpu": {k: round(v, 3) for k, v in phases.cpu.items()},
        "rights_desired": rights,
        "changes": sum(len(p.changes) for p in plans),
    }
    if peer:
        from deepdiff import DeepDiff

        desired = {
            f"{r.client}/{u.user}/{c}": right.profile
            for r in resolutions
            for u in r.users.values()
            for c, right in u.rights.items()
        }
        actual = {
            f"{s.id}/{u.id}/{c}": p
            for s in states.values()
            for u in s.users
            for c, p in u.authorizations.items()
        }
        started, cpu = time.perf_counter(), time.process_time()
        DeepDiff(actual, desired)
        result["deepdiff_wall"] = round(time.perf_counter() - started, 3)
        result["deepdiff_cpu"] = round(time.process_time() - cpu, 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="S")
    parser.add_argument("--backend", help="a bank URL; default sqlite:///bank.db in the fleet")
    parser.add_argument("--no-init", action="store_true", help="keep the seeded bank")
    parser.add_argument("--peer", action="store_true", help="also time DeepDiff (default on M)")
    parser.add_argument("--repeat", type=int, default=1, help="cold plans (best is kept)")
    parser.add_argument("--format", default="text", choices=("text", "json", "markdown"))
    parser.add_argument("--no-apply", action="store_true", help="skip the apply of the fleet")
    args = parser.parse_args()
    fleet = HERE / "fleets" / args.size
    if not (fleet / "efctl.yaml").exists():
        started = time.perf_counter()
        generate(args.size, fleet)
        print(f"generated {args.size} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    backend = args.backend or f"sqlite:///{fleet / 'bank.db'}"
    env = {**os.environ, "EFCTL_BACKEND": backend}
    efctl = [shutil.which("efctl", path=str(Path(sys.executable).parent)) or "efctl"]
    record: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": args.size,
        "backend": backend.split("://")[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, "
        f"python {platform.python_version()}",
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "commit": _commit(),
    }
    if not args.no_init:
        if backend.startswith("sqlite:///"):
            Path(backend.removeprefix("sqlite:///")).unlink(missing_ok=True)
            record["sandbox_init"] = run_command([*efctl, "sandbox", "init"], fleet, env)
        else:
            record["sandbox_init"] = run_command([*efctl, "sandbox", "reset"], fleet, env)
    shutil.rmtree(fleet / ".efctl" / "cache", ignore_errors=True)
    record["floor"] = floor(fleet, backend)
    plan = [*efctl, "plan", "--format", args.format]
    colds = []
    for _ in range(args.repeat):
        shutil.rmtree(fleet / ".efctl" / "cache", ignore_errors=True)
        colds.append(run_command(plan, fleet, env))
    record["plan_cold"] = min(colds, key=lambda r: r["wall"])
    record["plan_warm"] = run_command(plan, fleet, env)
    record["floor_again"] = floor(fleet, backend)
    record["help"] = run_command([*efctl, "--help"], fleet, env)
    from efctl.app import bulk

    with bulk():  # as the command runs it
        record["breakdown"] = breakdown(fleet, backend, args.peer or args.size == "M")
    if backend.startswith("sqlite:///") and not args.no_apply:
        record["apply_empty"] = apply_everything(efctl, fleet, env)
    record["load_after"] = [round(x, 2) for x in os.getloadavg()]
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    _table(record)


def apply_everything(efctl: list[str], fleet: Path, env: dict) -> dict:
    """The whole fleet applied to a bank that holds only contracts and admins (SQLite: the
    local unsigned approvals count there only); the bank is seeded again afterwards."""
    run_command([*efctl, "sandbox", "reset", "--seed", "bank-empty"], fleet, env)
    planned = run_command([*efctl, "plan", "--out", "apply.json"], fleet, env)
    approvals = fleet / "apply.approvals.json"
    approvals.unlink(missing_ok=True)
    admins = ("--as", "bruno.muster.001", "--author", "anna.muster.000", "--unsigned")
    run_command([*efctl, "approve", "apply.json", *admins], fleet, env)
    apply = [*efctl, "apply", "apply.json", "--approvals", approvals.name]
    applied = run_command(apply, fleet, env)
    run_command([*efctl, "sandbox", "reset"], fleet, env)
    return {**applied, "plan_wall": planned["wall"]}


def _commit() -> str | None:
    found = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return found.stdout.strip() or None


def _table(record: dict) -> None:
    best_floor = min(record["floor"]["wall"], record["floor_again"]["wall"])
    b = record["breakdown"]
    print(
        f"efctl bench {record['size']} on {record['backend']}, {record['machine']}, "
        f"load {record['load_before']} -> {record['load_after']}"
    )
    print(f"{b['rights_desired']:,} rights declared, {b['changes']:,} changes")
    print(f"{'':28}{'wall s':>9}{'cpu s':>9}{'RSS MiB':>9}{'x floor':>9}")
    names = ("sandbox_init", "plan_cold", "plan_warm", "help", "apply_empty")
    rows = [(n, record[n]) for n in names if n in record]
    for name, r in rows:
        ratio = f"{r['wall'] / best_floor:9.2f}" if name.startswith("plan") else ""
        print(f"{'efctl ' + name:28}{r['wall']:9.2f}{r['cpu']:9.2f}{r['rss_mib']:9.0f}{ratio}")
    for name in ("floor", "floor_again"):
        print(
            f"{name + ' (CSafeLoader+SELECT)':28}"
            f"{record[name]['wall']:9.2f}{record[name]['cpu']:9.2f}"
        )
    print("in process, by phase:")
    for name, wall in b["phases_wall"].items():
        print(f"  {name:26}{wall:9.3f}{b['phases_cpu'][name]:9.3f}")
    if "deepdiff_wall" in b:
        ratio = b["deepdiff_wall"] / max(b["phases_wall"]["diff"], 1e-9)
        cpu_ratio = b["deepdiff_cpu"] / max(b["phases_cpu"]["diff"], 1e-9)
        print(
            f"  {'DeepDiff (naive peer)':26}{b['deepdiff_wall']:9.3f}{b['deepdiff_cpu']:9.3f}"
            f"   ({ratio:.0f}x our diff's wall, {cpu_ratio:.0f}x its CPU)"
        )


if __name__ == "__main__":
    main()
