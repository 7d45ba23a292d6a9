# -*- coding: utf-8 -*-
# Copyright (c) ozonetel.cloudagent contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark the collection against the bundled emulator with real ansible-playbook runs (make bench).

Measures, in one process run: deleting a scattered set of row ids with the module, with a naive
per-id ``ansible.builtin.uri`` loop and with a ``uri`` loop over the optimal plan; token
generations of a multi-host play; the cost of check mode; the module's overhead over one ``uri``
task. Prints a table and rewrites docs/performance.md.

Exit status: 0 when every count target (requests, tokens) is met, 1 when one is missed, 2 when
the benchmark itself broke (it could not run, or a run deleted the wrong rows). Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_present import add_arguments as add_present_arguments, measure_present, method_lines as present_method
from bench_info_e2e import ARMS as E2E_ARMS, SIZES as E2E_SIZES, measure_info_e2e, replace_section
from bench_report import COUNT, SPEED, Measurement, Report
from bench_status import SIZES as STATUS_SIZES, measure_status
from bench_support import AnsibleRunner, BenchError, describe_ids, load_average, machine_facts, scattered_ids
from bench_token_store import METHOD as TOKEN_STORE_METHOD, measure_token_store
from cloudagent_emulator.control import Emulator
from cloudagent_harness.layout import DEMO_USER, REPO_ROOT
from cloudagent_harness.planner_oracle import expected_plan, plan_problems

DEFAULT_SEED = 20240521
BATCH_SIZE = 100
ID_RANGE = (1, 2000)
FLEET_BASE = 3000
SPEED_FACTOR_TARGET = 50.0
NOISE_BAND = 0.10
MODULE_TASK = "Delete the rows with the fewest requests"
LOOP_TASK = "Send one DELETE per row spec"
ONE_ROW_TASK = "Delete one row"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement, medians are reported (default 5)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="run the slow per-id uri loop once (this is also the default; kept for scripts)",
    )
    parser.add_argument("--full", action="store_true", help="run the per-id uri loop --runs times too (~4 min a run)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="RNG seed of the row-id set (default %(default)s)"
    )
    parser.add_argument("--count", type=int, default=400, help="row ids to delete (default %(default)s)")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="Markdown report to write (default docs/performance.md when every part runs, or when the info-e2e part "
        "runs alone: then only its section is replaced); '-' writes none",
    )
    parser.add_argument(
        "--part",
        choices=("all", "deletes", "status", "info-e2e"),
        default="all",
        help="'deletes': deletes, tokens, check mode, overhead; 'status': status reads of large accounts "
        "(make bench BENCH=status); 'info-e2e': the info module through ansible-playbook, full records, "
        "three fields and limit 0 (make bench BENCH=info-e2e); default all",
    )
    parser.add_argument(
        "--e2e-runs",
        type=int,
        default=3,
        help="rounds per account size of the info-e2e part (default 3: the median of one round is at the mercy "
        "of whatever else the machine does for those seconds)",
    )
    parser.add_argument(
        "--e2e-sizes",
        default=",".join(map(str, E2E_SIZES)),
        help="account sizes of the info-e2e part, comma-separated (default %(default)s)",
    )
    parser.add_argument(
        "--e2e-arms",
        default=",".join(arm for arm, _label, _vars in E2E_ARMS),
        help="runs of the info-e2e part, comma-separated, among %(default)s (the floor always runs); a subset "
        "writes no report unless --output says where, and leaves out the targets it lacks the runs for",
    )
    parser.add_argument(
        "--status-runs", type=int, default=3, help="rounds per account size of the status part (default 3)"
    )
    parser.add_argument(
        "--status-sizes",
        default=",".join(map(str, STATUS_SIZES)),
        help="account sizes of the status part, comma-separated (default %(default)s)",
    )
    add_present_arguments(parser)
    args = parser.parse_args(argv)
    if args.full:
        args.present_uri_rows = 1000
    if args.runs < 1 or args.count < 1 or args.status_runs < 1 or args.e2e_runs < 1:
        parser.error("--runs, --count, --status-runs and --e2e-runs must be at least 1")
    try:
        args.status_sizes = sorted({int(size) for size in args.status_sizes.split(",")})
        args.e2e_sizes = sorted({int(size) for size in args.e2e_sizes.split(",")})
    except ValueError:
        parser.error("--status-sizes and --e2e-sizes must be integers separated by commas")
    if min(args.status_sizes) <= 100 or min(args.e2e_sizes) <= 100:
        parser.error("--status-sizes and --e2e-sizes must be larger than 100")
    known_arms = [arm for arm, _label, _vars in E2E_ARMS]
    args.e2e_arms = [arm.strip() for arm in args.e2e_arms.split(",") if arm.strip()]
    if not args.e2e_arms or not set(args.e2e_arms) <= set(known_arms):
        parser.error("--e2e-arms must name some of %s" % ", ".join(known_arms))
    every_arm = set(args.e2e_arms) == set(known_arms)
    if args.output is None:
        wrote_whole = args.part in ("all", "info-e2e") and every_arm
        args.output = REPO_ROOT / "docs" / "performance.md" if wrote_whole else Path("-")
    if args.quick and args.full:
        parser.error("--quick and --full contradict each other")
    return args


# ---------------------------------------------------------------- 2. token generations


def measure_tokens(runner: AnsibleRunner, report: Report) -> None:
    """Needs an empty token cache, so it runs first."""
    if Path(runner.env["OZONETEL_TOKEN_CACHE"]).exists():
        raise BenchError("the token cache is not empty before the token measurement")
    for label, wanted in (("first run", 1), ("immediate rerun", 0)):
        runner.emulator.seed(DEMO_USER, ids=fleet_row_ids())
        run = runner.run("token_play.yml", {"bench_fleet_base": FLEET_BASE}, forks=5)
        generated = run.counters["generate_token_ok"]
        report.add(
            Measurement(
                "Token play, 10 tasks x 5 hosts, forks 5: " + label,
                [run.seconds],
                deletes=run.counters["delete"],
                other="tokens generated %d (calls %d)" % (generated, run.counters["generate_token"]),
            )
        )
        report.target(COUNT, "Token generations, 10x5 play, " + label, str(wanted), str(generated), generated == wanted)


def fleet_row_ids():
    return [FLEET_BASE + slot * 100 + task for slot in range(1, 6) for task in range(1, 11)]


# ---------------------------------------------------------------- 3. check mode


def measure_check_mode(runner: AnsibleRunner, report: Report, ids) -> None:
    reseed(runner)
    run = runner.run("module_delete.yml", {"bench_row_ids": ids}, check=True)
    expect_remaining(runner, set(range(ID_RANGE[0], ID_RANGE[1] + 1)), "check mode")
    result = run.first_result(MODULE_TASK)
    if not result.get("changed"):
        raise BenchError("check mode predicted no change for rows that exist")
    reads, deletes = run.counters["get_scheduled_data"], run.counters["delete"]
    report.add(
        Measurement(
            "Module, --check, %d ids" % len(ids),
            [run.seconds],
            [run.task_seconds(MODULE_TASK)],
            deletes,
            "status reads %d" % reads,
        )
    )
    report.target(COUNT, "Check mode: status reads", "1", str(reads), reads == 1)
    report.target(COUNT, "Check mode: DELETEs", "0", str(deletes), deletes == 0)


# ---------------------------------------------------------------- 4. module overhead


def measure_overhead(runner: AnsibleRunner, report: Report, runs: int) -> None:
    timings = {"module_one.yml": ([], []), "uri_one.yml": ([], [])}
    for _round in range(runs):
        for playbook, (walls, tasks) in timings.items():
            runner.emulator.seed(DEMO_USER, ids=[ID_RANGE[0]])
            run = runner.run(playbook, {"bench_row_id": ID_RANGE[0]})
            if run.counters["delete"] != 1 or ID_RANGE[0] in runner.emulator.ids(DEMO_USER):
                raise BenchError("%s did not delete the row with one request" % playbook)
            walls.append(run.seconds)
            tasks.append(run.task_seconds(ONE_ROW_TASK))
    module = report.add(Measurement("One-row delete, module (cached token)", *timings["module_one.yml"], deletes=1))
    uri = report.add(Measurement("One-row delete, single uri task (cached token)", *timings["uri_one.yml"], deletes=1))
    report.notes.append(
        "Module overhead over one uri task: %+.0f ms per task (median task times), %+.0f ms per playbook "
        "(median wall-clock); negative means the module is the faster."
        % ((module.task - uri.task) * 1000, (module.wall - uri.wall) * 1000)
    )


# ---------------------------------------------------------------- 1. scattered delete


def reseed(runner: AnsibleRunner) -> None:
    runner.emulator.seed(DEMO_USER, spec="%d-%d" % ID_RANGE)


def expect_remaining(runner: AnsibleRunner, expected: set, what: str) -> None:
    low, high = ID_RANGE
    remaining = {row_id for row_id in runner.emulator.ids(DEMO_USER) if low <= row_id <= high}
    if remaining != expected:
        raise BenchError(
            "%s left the wrong rows: %d missing that should stay, %d still there that should be gone"
            % (what, len(expected - remaining), len(remaining - expected))
        )


def delete_run(runner: AnsibleRunner, playbook: str, extra_vars: dict, ids, what: str):
    reseed(runner)
    run = runner.run(playbook, extra_vars)
    expect_remaining(runner, set(range(ID_RANGE[0], ID_RANGE[1] + 1)) - set(ids), what)
    return run


def measure_deletes(runner: AnsibleRunner, report: Report, ids, plan, runs: int, per_id_runs: int) -> None:
    module_runs, plan_runs = [], []
    for _round in range(runs):  # interleaved, so drift of the machine hits both arms alike
        module_runs.append(delete_run(runner, "module_delete.yml", {"bench_row_ids": ids}, ids, "the module"))
        plan_runs.append(delete_run(runner, "uri_delete_loop.yml", {"bench_row_specs": plan}, ids, "the plan loop"))
    per_id_specs = [str(row_id) for row_id in ids]
    per_id_runs_done = [
        delete_run(runner, "uri_delete_loop.yml", {"bench_row_specs": per_id_specs}, ids, "the per-id loop")
        for _round in range(per_id_runs)
    ]

    module_batches = [batch["row_id"] for batch in module_runs[0].first_result(MODULE_TASK)["batches"]]
    report.target(
        COUNT,
        "Module batches == independent optimal plan",
        "%d specs, equal" % len(plan),
        "%d specs, %s" % (len(module_batches), plan_verdict(module_batches, plan, ids)),
        module_batches == plan,
    )
    arms = [
        ("Module, one task", module_runs, MODULE_TASK),
        ("uri loop over the optimal plan", plan_runs, LOOP_TASK),
        ("uri loop, one DELETE per id (naive)", per_id_runs_done, LOOP_TASK),
    ]
    measured = {}
    for name, arm_runs, task_name in arms:
        deletes = sorted({run.counters["delete"] for run in arm_runs})
        tokens = sum(run.counters["generate_token_ok"] for run in arm_runs)
        measured[name] = report.add(
            Measurement(
                "%d scattered ids: %s" % (len(ids), name),
                [run.seconds for run in arm_runs],
                [run.task_seconds(task_name) for run in arm_runs],
                deletes[0] if len(deletes) == 1 else None,
                "tokens generated %d" % tokens + ("" if len(deletes) == 1 else "; DELETEs varied %s" % deletes),
            )
        )
        if name.startswith("Module"):
            report.target(
                COUNT,
                "Module DELETEs == optimal plan",
                str(len(plan)),
                ",".join(map(str, deletes)),
                deletes == [len(plan)],
            )
    module_wall = measured["Module, one task"].wall
    per_id = measured["uri loop, one DELETE per id (naive)"]
    per_id_ratio = per_id.wall / module_wall
    plan_ratio = measured["uri loop over the optimal plan"].wall / module_wall
    per_item_ms = 1000 * per_id.task / len(ids)
    report.notes.append(
        "Ratios from this run (median wall-clock): per-id uri / module = %.1fx; optimal-plan uri / "
        "module = %.2fx. The per-id loop costs %.0f ms per id (one module run per loop item)."
        % (per_id_ratio, plan_ratio, per_item_ms)
    )
    report.target(
        SPEED,
        "Module vs per-id uri loop",
        ">= %.0fx faster" % SPEED_FACTOR_TARGET,
        "%.1fx" % per_id_ratio,
        per_id_ratio >= SPEED_FACTOR_TARGET,
    )
    report.target(
        SPEED,
        "Module vs uri loop over the optimal plan",
        "no slower (ratio >= %.2f, a %d%% noise band)" % (1 - NOISE_BAND, NOISE_BAND * 100),
        "%.2fx" % plan_ratio,
        plan_ratio >= 1 - NOISE_BAND,
    )


def plan_verdict(module_batches, plan, ids) -> str:
    if module_batches == plan:
        return "equal"
    problems = plan_problems(module_batches, ids, BATCH_SIZE)
    if problems:
        return "DIFFERENT and invalid: " + "; ".join(problems)
    return "DIFFERENT (a valid plan, %s)" % (
        "same cost, other tie-break" if len(module_batches) == len(plan) else "not optimal"
    )


def note_shared_machine(report: Report) -> None:
    loads = [report.machine["load average at start"], report.machine["load average at end"]]
    busy = [float(load) for load in loads if load != "unknown"]
    if busy and max(busy) >= 0.5 * (os.cpu_count() or 1):
        report.notes.append(
            "Other work shared the machine during this run (load average %s at start, %s at end, on %d cores): "
            "absolute times are inflated; the ratios, taken in the same run, much less so."
            % (loads[0], loads[1], os.cpu_count() or 1)
        )


# ---------------------------------------------------------------- main


def method_text(args, ids, plan, per_id_runs):
    return [
        "Deleting %s (seed %d), rows 1-2000 re-seeded before every run: the module in one task; an "
        "`ansible.builtin.uri` loop with one DELETE per id (the naive baseline, token from the lookup once via "
        "`set_fact`/`run_once`); a `uri` loop over the optimal plan (%d requests), computed by an independent "
        "implementation of the planning formula and checked equal to the module's `batches`."
        % (describe_ids(ids), args.seed, len(plan)),
        "Runs: %d per arm, interleaved module/plan-loop; the per-id loop %d time(s)%s."
        % (
            args.runs,
            per_id_runs,
            "" if args.full else " (quick default: it takes minutes; `--full` runs it --runs times)",
        ),
        "Token generations of a play with 10 module tasks (no token given, so the shared cache does the work) "
        "and one lookup via `set_fact`/`run_once`, on 5 local hosts with 5 forks, from an empty token cache; "
        "then an immediate rerun.",
        "Check mode: one `--check` run of the module over the same ids: status reads and DELETEs.",
        "Module overhead: a one-row delete with the module vs a single `uri` DELETE task, both with a token "
        "from a cached lookup, in otherwise identical plays.",
    ]


def run_benchmark(args) -> Report:
    ids = scattered_ids(args.seed, args.count, *ID_RANGE)
    plan = expected_plan(ids, BATCH_SIZE)
    per_id_runs = args.runs if args.full else 1
    settings = [
        "runs %d" % args.runs,
        "per-id uri loop runs %d%s" % (per_id_runs, "" if args.full else " (--quick)"),
        "seed %d" % args.seed,
        "noise band %d%%" % (NOISE_BAND * 100),
        "Ansible defaults (no pipelining), forks 5",
        "part %s" % args.part,
        "status rounds %d" % args.status_runs,
        "info end-to-end rounds %d" % args.e2e_runs,
    ]
    report = Report(machine_facts(), settings)
    with tempfile.TemporaryDirectory(prefix="ozonetel-bench-") as workdir, Emulator.start() as emulator:
        runner = AnsibleRunner(Path(workdir), emulator)
        print("Emulator at %s; %s; plan of %d requests." % (emulator.url, describe_ids(ids), len(plan)), flush=True)
        steps = [
            ("token generations", lambda: measure_tokens(runner, report)),
            ("check mode", lambda: measure_check_mode(runner, report, ids)),
            ("module overhead", lambda: measure_overhead(runner, report, args.runs)),
            ("scattered delete", lambda: measure_deletes(runner, report, ids, plan, args.runs, per_id_runs)),
            ("token store", lambda: measure_token_store(Path(workdir), report, args.runs)),
            ("declarative schedule", lambda: measure_present(runner, report, args.runs, args.present_uri_rows)),
        ]
        if args.part in ("status", "info-e2e"):
            steps = []
        if args.part in ("all", "status"):
            steps.append(
                (
                    "status reads",
                    lambda: measure_status(
                        Path(workdir) / "status", emulator, report, args.status_runs, args.status_sizes
                    ),
                )
            )
        if args.part in ("all", "info-e2e"):
            steps.append(
                (
                    "the info module end to end",
                    lambda: report.sections.append(
                        measure_info_e2e(
                            Path(workdir) / "info-e2e",
                            emulator,
                            args.e2e_runs,
                            args.e2e_sizes,
                            dict(date=report.machine["date"], cores=report.machine["cores"]),
                            args.e2e_arms,
                        )
                    ),
                )
            )
        for name, step in steps:
            print("Measuring %s ..." % name, flush=True)
            step()
        report.machine["load average at end"] = load_average()
        note_shared_machine(report)
        totals = emulator.counters()
        wanted_tokens = 0 if args.part in ("status", "info-e2e") else 1  # these parts authenticate with the api key
        report.target(
            COUNT,
            "Token generations, whole benchmark",
            str(wanted_tokens),
            str(totals["generate_token_ok"]),
            totals["generate_token_ok"] == wanted_tokens,
        )
        report.target(
            COUNT, "Mixed or invalid row specs sent", "0", str(totals["invalid_specs"]), totals["invalid_specs"] == 0
        )
    deletes_method = (
        method_text(args, ids, plan, per_id_runs) + TOKEN_STORE_METHOD + present_method(args.present_uri_rows)
    )
    report.method = (deletes_method if args.part in ("all", "deletes") else []) + report.method
    return report


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        report = run_benchmark(args)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:  # BenchError, EmulatorError included
        print("benchmark broken: %s" % error, file=sys.stderr)
        return 2
    print()
    print(report.console())
    if str(args.output) != "-" and args.part == "info-e2e":
        document = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        args.output.write_text(replace_section(document, report.sections[-1]), encoding="utf-8")
        print("\nUpdated the end-to-end info section of %s" % args.output, flush=True)
    elif str(args.output) != "-":
        args.output.write_text(report.markdown(), encoding="utf-8")
        print("\nWrote %s" % args.output, flush=True)
    sys.stdout.flush()
    missed = report.missed_counts()
    if missed:
        print("Count target(s) missed: %s" % "; ".join(target.name for target in missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
