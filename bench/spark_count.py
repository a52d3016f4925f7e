"""Counts the genotypes of a VCF through Spark, Hail or genolake alone; times each step.

    python bench/spark_count.py rust FILE [--runs N] [--cores C]
    python bench/spark_count.py spark FILE [--runs N] [--cores C] [--unchecked]
    python bench/spark_count.py hail FILE [--runs N] [--cores C]

bench/run_spark.sh runs it in each mode and makes a table of its output,
one tab-separated line per step:

    step, tasks, median s, genotypes, median CPU s of the JVMs, of the Python
    processes, every run's s

Each step runs RUNS times (Spark's and Hail's after a warm-up query that
compiles their code and starts their Python workers). Every step counts all
genotypes of FILE and the counts are checked against each other, so that no
step can skip work and look fast. CPU seconds are those of the processes
the step runs in (`/proc/PID/stat`, children included): for Spark and Hail,
the JVM and the Python workers it starts; for `rust`, the worker processes.

rust: genolake's reader from Python, no Spark: the splits the Spark data
source plans (`genolake._native.plan_splits`, one per core) decoded by
`genolake._native.read_split` in C worker processes, batches taken by
pyarrow through the Arrow C stream (the hand-off a Spark Python worker
gets), genotypes counted from the list offsets. Then the same with every
batch also written as an Arrow IPC stream into memory: the serialization
and copy a Spark Python worker makes to hand its batches to the JVM
through a socket. Both with sample
ids and with `includeSampleIds=false`.

spark: a local[C] session (one JVM, C task threads, a Python worker per
task) with `genolake.spark.register`; the session start is timed once,
apart. Then `df.select(sum(size("genotypes"))).first()` and `df.count()`
(no column asked for), with `splits` = C, with sample ids and with
`includeSampleIds=false`, and the sum once more without the `splits`
option (the data source's default). The data frame is made inside the
timed query (`spark.read...load` asks the data source for its schema and
splits, a few tenths of a second). With --unchecked, the session's JVM runs
with `-Darrow.enable_unsafe_memory_access=true` (Arrow Java without bounds
and reference-count checks on every buffer read), and only the sums run.

hail: `hl.import_vcf(FILE, force_bgz=True, reference_genome=None,
min_partitions=C)` on a local[C] Hail (its own pinned PySpark), then
`aggregate_entries` of the entries and of `count_where(is_defined(GT))`:
every GT parsed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from typing import Callable


def timed(
    runs: int, step: Callable[[], int], cpu: Callable[[], tuple[float, float]]
) -> tuple[float, int, list[float], tuple[float, float]]:
    """Runs `step` `runs` times; returns the median seconds, the genotypes
    it counted (the same every run), every run's seconds and the median CPU
    seconds that `cpu()` (two running totals) grew by in a run."""
    seconds, counts, used = [], set(), []
    for _ in range(runs):
        before = cpu()
        start = time.perf_counter()
        counts.add(step())
        seconds.append(time.perf_counter() - start)
        used.append([b - a for a, b in zip(before, cpu())])
    if len(counts) != 1:
        sys.exit(f"spark_count: the runs counted different genotypes: {sorted(counts)}")
    cpu_medians = tuple(statistics.median(u[i] for u in used) for i in range(2))
    return statistics.median(seconds), counts.pop(), seconds, cpu_medians


def report(name: str, partitions: int,
           result: tuple[float, int, list[float], tuple[float, float]],
           expected: list[int]) -> None:
    """Prints: step, partitions (tasks), median s, genotypes, median CPU s
    of the two kinds (JVM, Python), every run's s."""
    median, genotypes, seconds, (cpu_a, cpu_b) = result
    if expected and genotypes != expected[0]:
        sys.exit(f"spark_count: {name} counted {genotypes} genotypes, not {expected[0]}")
    expected.append(genotypes)
    runs = " ".join(f"{s:.2f}" for s in seconds)
    print(f"{name}\t{partitions}\t{median:.3f}\t{genotypes}\t{cpu_a:.2f}\t{cpu_b:.2f}\t{runs}",
          flush=True)


def tree_cpu(root: int) -> tuple[float, float]:
    """CPU seconds (user + system, with those of reaped children) used so
    far by the descendants of process `root`: the JVMs, and the Python
    processes (Spark's Python workers)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            # comm may hold spaces: split after its closing parenthesis.
            comm = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            stats[int(entry)] = [comm, *fields]
            children.setdefault(int(fields[1]), []).append(int(entry))
    tick = os.sysconf("SC_CLK_TCK")
    jvm = python = 0.0
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        comm, *fields = stats[pid]
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 here.
        used = sum(int(v) for v in fields[11:15]) / tick
        if comm.startswith("java"):
            jvm += used
        else:
            python += used
    return jvm, python


# --- rust: genolake's reader from Python, no Spark --------------------------

def _count_split(split: tuple[str, int, int], ipc: bool, ids: bool) -> tuple[int, float]:
    """Decodes one split; returns its genotypes and the CPU seconds it took."""
    import pyarrow as pa

    from genolake import _native

    cpu = time.process_time()
    memory = None
    genotypes = 0
    options = [] if ids else [("includeSampleIds", "false")]
    stream = _native.read_split("vcf", *split, options, [])
    for batch in pa.RecordBatchReader.from_stream(stream):
        offsets = batch.column("genotypes").offsets
        genotypes += offsets[-1].as_py() - offsets[0].as_py()
        if ipc:
            # Serialized and copied, as into a socket, into one reused buffer.
            size = pa.ipc.get_record_batch_size(batch) + (1 << 16)
            if memory is None or memory.size < size:
                memory = pa.allocate_buffer(2 * size)
            with pa.ipc.new_stream(pa.FixedSizeBufferWriter(memory), batch.schema) as writer:
                writer.write_batch(batch)
    return genotypes, time.process_time() - cpu


def rust(path: str, runs: int, cores: int) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from genolake import _native

    _, splits = _native.plan_splits("vcf", [path], [], cores)
    expected: list[int] = []
    spent = [0.0]  # CPU seconds of the workers, a running total
    # Worker processes, as Spark's Python workers; started before the clock.
    with ProcessPoolExecutor(cores) as pool:
        list(pool.map(abs, range(cores)))

        def step(ipc: bool, ids: bool) -> int:
            done = list(pool.map(partial(_count_split, ipc=ipc, ids=ids), splits))
            spent[0] += sum(cpu for _, cpu in done)
            return sum(genotypes for genotypes, _ in done)

        for ids in (True, False):
            for ipc in (False, True):
                name = "rust_read_split" + ("_ipc" if ipc else "") + ("" if ids else "_noids")
                result = timed(runs, partial(step, ipc, ids), lambda: (0.0, spent[0]))
                report(name, len(splits), result, expected)


# --- spark: the genolake data sources on a local Spark ----------------------

def _samples(path: str) -> int:
    """The samples of a VCF, from its #CHROM line."""
    import gzip

    with gzip.open(path, "rt") as f:
        for line in f:
            if line.startswith("#CHROM"):
                return len(line.split("\t")) - 9
    sys.exit(f"spark_count: {path} has no #CHROM line")


def spark(path: str, runs: int, cores: int, unchecked: bool) -> None:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    import genolake.spark

    os.environ["PYSPARK_PYTHON"] = sys.executable
    # Arrow Java checks the bounds and reference count of its buffers on
    # every read, unless this property turns the checks off.
    jvm_options = "-Darrow.enable_unsafe_memory_access=true" if unchecked else ""
    start = time.perf_counter()
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("genolake-bench")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.driver.extraJavaOptions", jvm_options)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.executorEnv.PYTHONPATH", os.environ.get("PYTHONPATH", ""))
        # genolake's reader implements pushFilters, which Spark refuses
        # to call unless this is set (DATA_SOURCE_PUSHDOWN_DISABLED).
        .config("spark.sql.python.filterPushdown.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    genolake.spark.register(session)
    tag = "_unchecked" if unchecked else ""
    print(f"spark_session{tag}\t0\t{time.perf_counter() - start:.3f}\t0\t0\t0\t", flush=True)
    cpu = partial(tree_cpu, os.getpid())

    def frame(ids: bool, splits: int | None = cores):
        reader = session.read.format("vcf")
        if splits is not None:
            reader = reader.option("splits", str(splits))
        if not ids:
            reader = reader.option("includeSampleIds", "false")
        return reader.load(path)

    samples = _samples(path)
    # The first query warms the JVM's JIT and starts the Python workers.
    frame(True).select(F.sum(F.size("genotypes"))).first()
    steps = []
    if not unchecked:
        # The data source's default number of splits, without the option.
        steps.append(("spark_sum_size_default", True, None, "sum"))
    for ids in (True, False):
        suffix = "" if ids else "_noids"
        steps.append((f"spark_sum_size{suffix}{tag}", ids, cores, "sum"))
        if not unchecked:
            steps.append((f"spark_count{suffix}", ids, cores, "count"))
    expected: list[int] = []
    for name, ids, splits, query in steps:
        if query == "sum":
            step = lambda ids=ids, splits=splits: (
                frame(ids, splits).select(F.sum(F.size("genotypes"))).first()[0]
            )
        else:
            step = lambda ids=ids, splits=splits: frame(ids, splits).count() * samples
        partitions = frame(ids, splits).rdd.getNumPartitions()
        report(name, partitions, timed(runs, step, cpu), expected)
    session.stop()


# --- hail: import_vcf on Hail's own local Spark -----------------------------

def hail(path: str, runs: int, cores: int) -> None:
    import hail as hl

    start = time.perf_counter()
    hl.init(
        master=f"local[{cores}]",
        quiet=True,
        log="/dev/null",
        spark_conf={
            "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "4g"),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
        },
    )
    print(f"hail_session\t0\t{time.perf_counter() - start:.3f}\t0\t0\t0\t", flush=True)

    def frame():
        return hl.import_vcf(path, force_bgz=True, reference_genome=None, min_partitions=cores)

    def gt() -> int:
        mt = frame()
        entries, called = mt.aggregate_entries(
            (hl.agg.count(), hl.agg.count_where(hl.is_defined(mt.GT)))
        )
        assert 0 < called <= entries
        return entries

    gt()  # warm-up: the JVM's JIT and Hail's code generation
    cpu = partial(tree_cpu, os.getpid())
    report("hail_gt", frame().n_partitions(), timed(runs, gt, cpu), [])
    hl.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["rust", "spark", "hail"])
    parser.add_argument("path")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--unchecked", action="store_true",
        help="spark: with -Darrow.enable_unsafe_memory_access=true, sum queries only",
    )
    args = parser.parse_args()
    path = os.path.abspath(args.path)
    if args.mode == "spark":
        spark(path, args.runs, args.cores, args.unchecked)
    else:
        {"rust": rust, "hail": hail}[args.mode](path, args.runs, args.cores)


if __name__ == "__main__":
    main()
