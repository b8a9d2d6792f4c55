"""Run a leadsim sweep on a SLURM or PBS cluster through dask-jobqueue.

Run this script on a login node (or in a small, long job): it asks the batch system
for worker jobs, connects a Dask client to them and hands the sweep's batches to
``client.get_executor()``. Results are written by this process, batch by batch, into
``--out``; if the script or its jobs die, run it again with ``--resume``.

Set-up, once, in the project's environment on the cluster::

    uv sync --extra cluster        # installs dask-jobqueue next to distributed

Then, for instance::

    uv run python examples/slurm_dask_jobqueue.py experiments/morris_screening.toml \\
        --out /scratch/$USER/morris --system slurm --jobs 8 --cores 16 \\
        --memory 32GB --walltime 02:00:00 --queue compute --account myproject

Every worker must import the same leadsim: keep the project on a shared file system
(or install the same version on every node). Print the job script without submitting
anything with ``--dry-run``.
"""

from __future__ import annotations

import argparse
import sys

from leadsim.experiments import run_sweep


def make_cluster(args: argparse.Namespace):
    """A dask-jobqueue cluster of ``args.jobs`` jobs, each one worker process per core."""
    try:
        from dask_jobqueue import PBSCluster, SLURMCluster
    except ImportError:
        sys.exit("dask-jobqueue is missing: run `uv sync --extra cluster` first")
    options = {
        "cores": args.cores,
        "processes": args.cores,  # one single-threaded worker per core: batches hold the GIL
        "memory": args.memory,
        "walltime": args.walltime,
        "queue": args.queue,
        "account": args.account,
        "log_directory": args.logs,
        "job_extra_directives": args.extra,
    }
    if args.interface:
        options["interface"] = args.interface
    kind = SLURMCluster if args.system == "slurm" else PBSCluster
    return kind(**{key: value for key, value in options.items() if value is not None})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="an experiment file (TOML)")
    parser.add_argument("--out", required=True, help="the results folder (on a shared disk)")
    parser.add_argument("--system", choices=("slurm", "pbs"), default="slurm")
    parser.add_argument("--jobs", type=int, default=4, help="worker jobs to submit")
    parser.add_argument("--cores", type=int, default=16, help="cores per job")
    parser.add_argument("--memory", default="32GB", help="memory per job")
    parser.add_argument("--walltime", default="01:00:00", help="walltime per job")
    parser.add_argument("--queue", help="partition (SLURM) or queue (PBS)")
    parser.add_argument("--account", help="the account or project to charge")
    parser.add_argument("--interface", help="network interface of the workers (e.g. ib0)")
    parser.add_argument("--logs", default="dask-logs", help="folder for the jobs' logs")
    parser.add_argument(
        "--extra", action="append", default=[], help="an extra #SBATCH/#PBS line (repeatable)"
    )
    parser.add_argument("--batch-size", type=int, help="runs per batch (default: the file's)")
    parser.add_argument("--resume", action="store_true", help="continue the sweep in --out")
    parser.add_argument("--dry-run", action="store_true", help="print the job script and stop")
    args = parser.parse_args()

    from distributed import Client

    with make_cluster(args) as cluster:
        if args.dry_run:
            print(cluster.job_script())
            return 0
        cluster.scale(jobs=args.jobs)
        with Client(cluster) as client:
            print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr)
            summary = run_sweep(
                args.experiment,
                args.out,
                executor=client.get_executor(pure=False),
                batch_size=args.batch_size,
                resume=args.resume,
                progress=True,
                in_flight=2 * args.jobs * args.cores,  # keep every worker busy, no more
            )
    counts = ", ".join(f"{n} {status}" for status, n in summary.status_counts.items())
    print(f"{summary.runs} runs: {counts}; {summary.seconds:.0f} s; results in {summary.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
