"""Kill the worker with SIGKILL in the middle of a large import's write transaction: no half-imported rows,
and on restart the import completes exactly once (issue #9, crash safety).

The people import checks every row first (reads only), then writes everything in one transaction. A kill
during the check phase proves little, so the test waits until the worker holds SQLite's write lock for the
import: on this database every transaction begins IMMEDIATE, so a held lock means the worker is inside it.
No sleep is fixed: the test polls, on a slow machine as on a fast one.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from django.conf import settings
from stdnum.cn import ric

ROWS = 30_000


def _people_csv(path, rows: int) -> int:
    """Writes the file and returns the number of households (doors) in it."""
    lines = ["name,id_number,building_code,door"]
    seen = set()
    n = 0
    while len(seen) < rows:
        # 1950-2005, any day of the 28 first days of any month, sequence 000-999: all valid and distinct.
        year, month, day = 1950 + n % 56, 1 + (n // 56) % 12, 1 + (n // 672) % 28
        body = f"110101{year:04d}{month:02d}{day:02d}{(n // 18816) % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        n += 1
        if number in seen:
            continue
        seen.add(number)
        lines.append(f"居民{len(seen)},{number},B1,{len(seen) // 3}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len({n // 3 for n in range(1, rows + 1)})


def _query(db_path, sql):
    with sqlite3.connect(db_path, timeout=30) as db:
        return db.execute(sql).fetchone()


def _counts(db_path):
    """People, households, status history, import audit rows and import records."""
    return _query(db_path, "SELECT (SELECT COUNT(*) FROM people_person), (SELECT COUNT(*) FROM people_household), "
                           "(SELECT COUNT(*) FROM people_statuschange), "
                           "(SELECT COUNT(*) FROM audit_auditentry WHERE action='import'), "
                           "(SELECT COUNT(*) FROM core_importrecord)")


def _wait_for(predicate, seconds, *, every=0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def _write_lock_held(db_path) -> bool:
    """True while another connection is inside a write transaction (BEGIN IMMEDIATE is refused at once)."""
    db = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return True
        raise
    else:
        db.execute("ROLLBACK")
        return False
    finally:
        db.close()


def _inside_the_import_transaction(db_path, job_id):
    """The job runs and the write lock is held on two looks 50 ms apart: the import's transaction, not one of the
    worker's millisecond writes (heartbeat, a progress row)."""
    running = _query(db_path, f"SELECT 1 FROM ops_job WHERE id={job_id} AND status='running'")
    if not running or not _write_lock_held(db_path):
        return False
    time.sleep(0.05)
    return _write_lock_held(db_path)


def test_sigkill_mid_import_leaves_nothing_half_done_and_restart_completes_once(tmp_path):
    db_path = tmp_path / "crash.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="fangkong.settings", FANGKONG_SQLITE_PATH=str(db_path),
               FANGKONG_DATA_DIR=str(tmp_path), FANGKONG_DEBUG="0", FANGKONG_LOG_LEVEL="WARNING",
               FANGKONG_WORKER_HEARTBEAT_MAX_AGE="3")
    fangkong = [sys.executable, "-m", "fangkong.cli"]

    def run(*args):
        return subprocess.run([*fangkong, *args], env=env, cwd=settings.PROJECT_DIR, check=True,
                              capture_output=True, text=True).stdout

    run("migrate", "--verbosity=0")
    tree = tmp_path / "tree.csv"
    tree.write_text("code,parent_code,level,name\nC1,,1,测试市\nD1,C1,2,测试区\nS1,D1,3,测试街道\n"
                    "M1,S1,4,测试社区\nG1,M1,5,网格1\nB1,G1,6,1号楼\n", encoding="utf-8")
    run("import", "tree", str(tree))
    people = tmp_path / "people.csv"
    households = _people_csv(people, ROWS)
    before = _counts(db_path)
    imported = tuple(b + n for b, n in zip(before, (ROWS, households, ROWS, ROWS, 1), strict=True))
    job_id = int(run("import", "people", str(people), "--background").splitlines()[0].split()[-1])

    def worker():
        return subprocess.Popen([*fangkong, "worker", "--heartbeat=1", "--interval=0.2"], env=env,
                                cwd=settings.PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    first = worker()
    try:
        writing = _wait_for(lambda: _inside_the_import_transaction(db_path, job_id), seconds=300, every=0.01)
        assert writing, "the import never started writing"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()

    status = _query(db_path, f"SELECT status FROM ops_job WHERE id={job_id}")[0]
    assert status == "running", "the import finished before the kill: make ROWS larger"
    assert not _write_lock_held(db_path)
    # Nothing of the killed transaction: no person, household, status history, audit row or import record.
    assert _counts(db_path) == before, "half-imported rows after SIGKILL"

    second = worker()
    try:
        finished = _wait_for(lambda: _query(db_path, f"SELECT status FROM ops_job WHERE id={job_id} "
                                                     "AND status IN ('succeeded', 'failed')"), seconds=600)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    assert finished == ("succeeded",), finished
    restarts, error = _query(db_path, f"SELECT restarts, error FROM ops_job WHERE id={job_id}")
    assert restarts == 1 and error == ""
    assert _query(db_path, "SELECT COUNT(*), COUNT(DISTINCT id_number) FROM people_person") == (ROWS, ROWS)
    assert _counts(db_path) == imported
    # Queued again, the same file is recognised and not imported a second time.
    again = int(run("import", "people", str(people), "--background").splitlines()[0].split()[-1])
    third = worker()
    try:
        rerun = _wait_for(lambda: _query(db_path, f"SELECT status FROM ops_job WHERE id={again} "
                                                  "AND status IN ('succeeded', 'failed')"), seconds=300)
    finally:
        third.send_signal(signal.SIGTERM)
        third.wait(timeout=60)
    assert rerun == ("succeeded",), rerun
    assert _counts(db_path) == imported
