"""The co-presence stages on Spark SQL: the same query text as on DuckDB, for inputs larger than one machine.

`find_copresence_spark` reads Parquet (a file, a glob, or a directory of hive-partitioned Parquet; CSV works too)
and writes one CSV or Parquet file, like `copresence.find_copresence`. Without a session it starts one in local
mode, bound to loopback; on a cluster, pass the cluster's session.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

from fangkong.tracing.engine import copresence_query as Q
from fangkong.tracing.engine.copresence import (
    DEFAULT_BIN_MINUTES,
    CopresenceInputError,
    Progress,
    Runner,
    Source,
    Summary,
    _check_columns,
    _finish,
    _is_csv,
    _temporary_beside,
    make_params,
    run_stages,
)


def local_session(*, threads: int | None = None, timezone: str = "Asia/Shanghai", memory: str = "2g",
                  shuffle_partitions: int = 4):
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(f"local[{threads or 2}]").appName("fangkong-copresence")
            .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
            .config("spark.driver.memory", memory).config("spark.sql.session.timeZone", timezone)
            .getOrCreate())


def _spark_kind(data_type) -> str:
    from pyspark.sql import types as T

    if isinstance(data_type, T.StringType):
        return Q.STRING
    if isinstance(data_type, T.ByteType | T.ShortType | T.IntegerType | T.LongType):
        return Q.INTEGER
    if isinstance(data_type, T.FloatType | T.DoubleType | T.DecimalType):
        return Q.FLOAT
    if isinstance(data_type, T.TimestampNTZType):
        return Q.TIMESTAMP
    if isinstance(data_type, T.TimestampType):
        return Q.TIMESTAMPTZ
    if isinstance(data_type, T.NullType):
        return Q.NULL
    return "unsupported:" + data_type.simpleString()


class SparkRunner(Runner):
    dialect = Q.SPARK

    def __init__(self, spark):
        self.spark = spark
        self.cached = []

    def table(self, name: str, sql: str) -> int:
        frame = self.spark.sql(sql).cache()
        self.cached.append(frame)
        frame.createOrReplaceTempView(name)
        return frame.count()

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def columns_of(self, table: str) -> list[str]:
        return self.spark.table(table).columns

    def source(self, name: str, path, columns: tuple[str, ...], label: str) -> Source:
        from pyspark.errors import AnalysisException
        from pyspark.sql import functions as F

        text = str(path)
        is_csv = _is_csv(text)
        try:
            reader = self.spark.read
            frame = reader.option("header", True).csv(text) if is_csv else reader.parquet(text)
        except AnalysisException as exc:
            raise CopresenceInputError(f"{label}: cannot read it: {exc}") from exc
        kinds = _check_columns(label, {f.name: _spark_kind(f.dataType) for f in frame.schema.fields}, columns)
        extra = [F.col("_metadata.file_path").alias("_spark_file")]
        if not is_csv:
            extra.append((F.col("_metadata.row_index") + 1).alias("_spark_row"))
        frame.select("*", *extra).createOrReplaceTempView(name)
        row_expr = "CAST(NULL AS BIGINT)" if is_csv else "_spark_row"
        return Source(label, name, kinds, "_spark_file", row_expr, is_csv=is_csv, columns=columns)

    def write(self, out: Path, as_csv: bool) -> None:
        frame = self.spark.sql(Q.output(self.dialect, as_text=as_csv)).coalesce(1)
        frame = frame.sortWithinPartitions("case_id", "contact_id")
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.spark-", dir=out.parent))
        try:
            target = str(staging / "part")
            if as_csv:
                frame.write.option("header", True).csv(target)
            else:
                frame.write.parquet(target)
            parts = sorted(p for p in (staging / "part").iterdir() if p.name.startswith("part-"))
            if len(parts) != 1:
                raise RuntimeError(f"Spark wrote {len(parts)} files, not one, for {out}.")
            shutil.move(parts[0], out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def close(self) -> None:
        for frame in self.cached:
            frame.unpersist()


def find_copresence_spark(visits, cases, out, *, min_minutes: float = 10, default_dwell_minutes: float = 30,
                          timezone: str = "Asia/Shanghai", bin_minutes: int = DEFAULT_BIN_MINUTES,
                          threads: int | None = None, spark=None, progress: Progress | None = None) -> Summary:
    started = time.monotonic()
    params = make_params(min_minutes, default_dwell_minutes, timezone, bin_minutes)
    out = Path(out)
    if spark is None:
        spark = local_session(threads=threads, timezone=timezone)
    spark.conf.set("spark.sql.session.timeZone", timezone)
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    runner = SparkRunner(spark)
    summary = Summary(engine="spark")
    partial = _temporary_beside(out)
    try:
        v = runner.source("visits_src", visits, Q.VISIT_COLUMNS, str(visits))
        c = runner.source("cases_src", cases, Q.CASE_COLUMNS, str(cases))
        summary.visits_read = spark.table("visits_src").count()
        run_stages(runner, v, c, params, summary, progress, lambda: runner.write(partial, as_csv=_is_csv(out.name)))
        os.replace(partial, out)
    finally:
        runner.close()
        partial.unlink(missing_ok=True)
    _finish(summary, started)
    return summary
