"""Start-up that says what is wrong (edge/startup.py, through the real `imgedge` command):
every failure of a dependency a command needs is one line on stderr naming the setting,
and a non-zero exit, for every command; `imgedge check` prints one line per dependency.

Each case runs `python -m edge.cli` in a process of its own, as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from edge.startup import reason, shown
from tests.s3_server import S3Server

ROOT = Path(__file__).resolve().parents[2]
DEAD = "127.0.0.1:1"  # nothing listens on port 1: connection refused at once
# The four commands the issue names, and the others that read the catalog.
EVERY_COMMAND = (["serve"], ["worker", "--drain"], ["demo", "--products", "1"], ["migrate"])
OTHERS = (["migrate-canonical", "--dry-run"], ["stores", "list"], ["stores", "events"])


def imgedge(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`imgedge ARGS` in `tmp_path` with only these settings (and no stray IMGEDGE_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGEDGE_", "AWS_"))}
    env.update(PYTHONPATH=str(ROOT), IMGEDGE_DATABASE_URL=f"sqlite:///{tmp_path}/c.db")
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", *args],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def assert_one_line(run: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert run.returncode != 0, run.stdout
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr  # no traceback, no log noise
    line = lines[0]
    assert line.startswith("imgedge: ")
    for text in expected:
        assert text in line, line
    return line


def _not_a_dir(tmp_path: Path) -> Path:
    """A path under a regular file: no one, root included, can make or write it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    return blocker / "inside"


# --- one line, non-zero, for every command ----------------------------------------------


@pytest.mark.parametrize("command", EVERY_COMMAND + OTHERS, ids=" ".join)
def test_an_unreachable_database_is_one_line_for_every_command(tmp_path, command):
    url = f"postgresql://imgedge:s3cret@{DEAD}/x"
    run = imgedge(tmp_path, *command, IMGEDGE_DATABASE_URL=url)
    line = assert_one_line(run, "IMGEDGE_DATABASE_URL", "connection refused", DEAD)
    assert line == (
        f"imgedge: IMGEDGE_DATABASE_URL: cannot connect to "
        f"postgresql://imgedge:***@{DEAD}/x: connection refused"
    )  # the password is never printed
    assert run.returncode == 1


@pytest.mark.parametrize("command", EVERY_COMMAND[:2], ids=" ".join)
def test_a_wrong_database_is_one_line(tmp_path, command, postgres_url):
    missing_db = postgres_url.rsplit("/", 1)[0] + "/imgedge_no_such_database"
    run = imgedge(tmp_path, *command, IMGEDGE_DATABASE_URL=missing_db)
    assert_one_line(run, "IMGEDGE_DATABASE_URL", "does not exist")


@pytest.mark.parametrize("command", EVERY_COMMAND[2:], ids=" ".join)
def test_an_unwritable_sqlite_path_is_one_line(tmp_path, command):
    url = f"sqlite:///{_not_a_dir(tmp_path)}/c.db"
    run = imgedge(tmp_path, *command, IMGEDGE_DATABASE_URL=url)
    assert_one_line(run, "IMGEDGE_DATABASE_URL", "cannot open", "not a directory")


# Each malformed value with one command, so that every command meets several of them.
MALFORMED = [
    ("IMGEDGE_CACHE_URL", "redis://:bad:port/0", "Port could not be cast"),
    ("IMGEDGE_CACHE_URL", "redis://127.0.0.1:99999/0", "Port out of range"),
    ("IMGEDGE_ORIGINALS_URL", "s3://Not_A_Bucket/x", "is not an S3 bucket name"),
    ("IMGEDGE_DATABASE_URL", "mysql://x", "expected sqlite:///path"),
    ("IMGEDGE_PORT", "eighty", "expected int"),
    ("IMGEDGE_CACHE_URL", "memcached://x", "expected file://dir"),
    ("IMGEDGE_ORIGINALS_URL", "s3://bucket/../up", "not a usable key prefix"),
    ("IMGEDGE_JPEG_QUALITY", "101", "between 1 and 100"),
]


@pytest.mark.parametrize(
    ("command", "setting", "value", "expected"),
    [(EVERY_COMMAND[i % 4], *case) for i, case in enumerate(MALFORMED)],
    ids=[f"{EVERY_COMMAND[i % 4][0]}-{case[0]}" for i, case in enumerate(MALFORMED)],
)
def test_a_malformed_setting_is_one_line_for_every_command(
    tmp_path, command, setting, value, expected
):
    """Malformed URLs and bad values stop every command, whether it uses that backend
    or not: a deployment with one wrong line in its environment is wrong everywhere."""
    run = imgedge(tmp_path, *command, **{setting: value})
    assert_one_line(run, setting, expected)


@pytest.mark.parametrize("command", [["serve"], ["demo", "--products", "1"]], ids=" ".join)
@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("IMGEDGE_CACHE_URL", f"redis://{DEAD}/0", "cannot connect to redis://"),
        ("IMGEDGE_CACHE_URL", "file://{blocked}", "cannot write to file://"),
        ("IMGEDGE_ORIGINALS_URL", "file://{blocked}", "missing or not writable"),
    ],
    ids=["redis-down", "cache-dir", "originals-dir"],
)
def test_the_cache_and_originals_are_checked_by_the_commands_that_use_them(
    tmp_path, command, setting, value, expected
):
    value = value.format(blocked=_not_a_dir(tmp_path))
    run = imgedge(tmp_path, *command, **{setting: value})
    assert_one_line(run, setting, expected)


def test_a_dead_s3_endpoint_is_one_line(tmp_path):
    run = imgedge(
        tmp_path, "serve",
        IMGEDGE_ORIGINALS_URL="s3://bucket/prefix", IMGEDGE_ORIGINALS_TIMEOUT_S="0.5",
        AWS_ENDPOINT_URL=f"http://{DEAD}", AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s",
        AWS_REGION="us-east-1",
    )  # fmt: skip
    assert_one_line(run, "IMGEDGE_ORIGINALS_URL", "cannot use s3://bucket/prefix")


def test_commands_that_need_only_the_catalog_ignore_a_cache_that_is_down(tmp_path):
    run = imgedge(tmp_path, "migrate", IMGEDGE_CACHE_URL=f"redis://{DEAD}/0")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""


# --- warnings and --version ----------------------------------------------------------------


def test_unknown_imgedge_variables_are_warned_about_with_the_closest_name(tmp_path):
    run = imgedge(
        tmp_path, "migrate",
        IMGEDGE_PROT="9000", IMGEDGE_DATABSE_URL="x", IMGEDGE_ZZZ="1",
        IMGEDGE_TEST_POSTGRES_URL="postgresql://x", IMGEDGE_LOAD_PRODUCTS="1-5",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [
        "imgedge: warning: IMGEDGE_DATABSE_URL is not a setting; ignored "
        "(did you mean IMGEDGE_DATABASE_URL?)",
        "imgedge: warning: IMGEDGE_PROT is not a setting; ignored (did you mean IMGEDGE_PORT?)",
        "imgedge: warning: IMGEDGE_ZZZ is not a setting; ignored",
    ]


def test_version_comes_from_the_package_metadata(tmp_path):
    run = imgedge(tmp_path, "--version")
    assert run.returncode == 0
    assert run.stdout.strip() == f"imgedge {version('imgedge')}"


# --- imgedge check ---------------------------------------------------------------------


def _check_lines(run: subprocess.CompletedProcess[str]) -> dict[str, str]:
    lines = run.stdout.splitlines()
    assert len(lines) == 3, run.stdout + run.stderr
    return {line.split()[1]: line for line in lines}


def test_check_passes_on_sqlite_and_files(tmp_path):
    run = imgedge(tmp_path, "migrate")
    assert run.returncode == 0, run.stderr
    run = imgedge(tmp_path, "check")
    assert run.returncode == 0, run.stdout
    lines = _check_lines(run)
    assert lines["catalog"] == (f"ok   catalog   sqlite:///{tmp_path}/c.db (migrations up to date)")
    assert lines["cache"] == "ok   cache     file://var/cache"
    assert lines["originals"] == "ok   originals file://var/originals (put, get and delete)"
    left = [p for p in (tmp_path / "var").rglob("*") if p.is_file()]
    assert left == []  # the probes (cache and originals) are gone


def test_check_passes_on_postgresql_and_redis(tmp_path, postgres_url, redis_prefix):
    redis_url, prefix = redis_prefix
    settings = {
        "IMGEDGE_DATABASE_URL": postgres_url,
        "IMGEDGE_CACHE_URL": redis_url,
        "IMGEDGE_CACHE_PREFIX": prefix,
    }
    run = imgedge(tmp_path, "check", **settings)
    assert run.returncode == 0, run.stdout
    lines = _check_lines(run)
    assert lines["catalog"].endswith("(migrations up to date)")
    assert lines["cache"] == f"ok   cache     {redis_url}"


def test_check_says_which_migrations_are_pending(tmp_path, empty_postgres_url):
    run = imgedge(tmp_path, "check", IMGEDGE_DATABASE_URL=empty_postgres_url)
    assert run.returncode == 1
    line = _check_lines(run)["catalog"]
    assert line.startswith(f"FAIL catalog   {empty_postgres_url}: ")
    assert "migrations pending (0001_initial … " in line and "run `imgedge migrate`" in line


def test_check_fails_on_a_dead_port_and_still_checks_the_rest(tmp_path):
    run = imgedge(tmp_path, "check", IMGEDGE_CACHE_URL=f"redis://{DEAD}/0")
    assert run.returncode == 1
    lines = _check_lines(run)
    assert lines["cache"] == f"FAIL cache     redis://{DEAD}/0: connection refused"
    assert lines["catalog"].startswith("FAIL catalog")  # not migrated yet: pending
    assert lines["originals"].startswith("ok   originals")


def test_check_puts_gets_and_deletes_in_an_s3_bucket(tmp_path, s3_server: S3Server, s3_url):
    run = imgedge(tmp_path, "check", IMGEDGE_ORIGINALS_URL=s3_url, **s3_server.env())
    assert _check_lines(run)["originals"] == f"ok   originals {s3_url} (put, get and delete)"
    bucket, _, prefix = s3_url.removeprefix("s3://").partition("/")
    assert s3_server.keys(bucket, prefix) == {}  # nothing left behind
    gone = imgedge(
        tmp_path, "check", IMGEDGE_ORIGINALS_URL="s3://imgedge-no-such-bucket/x",
        IMGEDGE_ORIGINALS_TIMEOUT_S="2", **s3_server.env(),
    )  # fmt: skip
    assert gone.returncode == 1
    assert _check_lines(gone)["originals"].startswith("FAIL originals s3://imgedge-no-such")


# --- the pieces ----------------------------------------------------------------------------


def test_shown_hides_only_the_password():
    assert shown("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert shown("redis://:pw@h/0") == "redis://:***@h/0"
    assert shown("sqlite:///var/x.db") == "sqlite:///var/x.db"


def test_reason_finds_the_os_answer_in_the_chain():
    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except OSError as inner:
            raise RuntimeError("cannot open PostgreSQL catalog: ...") from inner
    except RuntimeError as exc:
        assert reason(exc) == "connection refused"
    assert reason(ValueError("first line\nsecond")) == "first line"
    assert reason(PermissionError(13, "Permission denied")) == "permission denied"


@pytest.mark.parametrize(
    ("args", "finalized"),
    [(["worker", "--drain"], False), (["migrate-canonical", "--dry-run"], False),
     (["migrate"], True), (["demo", "--products", "1"], True)],
)  # fmt: skip
def test_only_the_matching_commands_leave_without_finalizing(tmp_path: Path, args, finalized):
    """A matching command's work is said, then the process leaves without freeing the
    matcher's caches (no exit handler runs); the others finalize as usual, those that load
    the matcher too (the demo)."""
    script = (
        "import atexit, sys; atexit.register(lambda: print('finalized')); "
        f"sys.argv = ['imgedge', *{args!r}]; from edge.cli import entry; entry()"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMGEDGE_", "AWS_"))}
    env.update(PYTHONPATH=str(ROOT), IMGEDGE_DATABASE_URL=f"sqlite:///{tmp_path}/c.db")
    run = subprocess.run(
        [sys.executable, "-c", script],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() != ""  # what the command said came out
    assert ("finalized" in run.stdout.split()) is finalized
