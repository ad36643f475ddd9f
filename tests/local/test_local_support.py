"""Log files and their LogSource, the ABI check, layers built from requirements.txt."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from smoke.errors import LogScanError
from smoke.local import abi
from smoke.local.logs import FunctionLog, LocalLogSource, iso_timestamp, parse_timestamp_ms
from smoke.local.packages import runtime_dir


def test_log_lines_are_timestamped_and_windowed(tmp_path: Path) -> None:
    log = FunctionLog(tmp_path / "fn.log")
    log.write("START RequestId: 1 Version: $LATEST")
    # two sandboxes of one function, each with its own stream
    stream = log.stream("2024/05/01/[$LATEST]aaaa")
    other = log.stream("2024/05/01/[$LATEST]bbbb")
    stream.start_capture()
    stream.write("[ERROR] boom\rTraceback (most recent call last):")
    other.write("another sandbox's line")
    captured = stream.stop_capture()
    log.close()
    assert captured == "[ERROR] boom\nTraceback (most recent call last):\n"
    assert other.stop_capture() == "another sandbox's line\n"
    now = int(time.time() * 1000)
    source = LocalLogSource(tmp_path)
    events = list(source.events("/aws/lambda/fn", now - 5000, now + 5000))
    assert [(e.message, e.log_stream) for e in events] == [
        # written outside any sandbox (as by an older run): one stream per version and day
        ("START RequestId: 1 Version: $LATEST", time.strftime("%Y/%m/%d/[$LATEST]smoke-local", time.gmtime())),
        ("[ERROR] boom", "2024/05/01/[$LATEST]aaaa"),
        ("Traceback (most recent call last):", "2024/05/01/[$LATEST]aaaa"),
        ("another sandbox's line", "2024/05/01/[$LATEST]bbbb"),
    ]
    assert list(source.events("/aws/lambda/fn", now + 60_000, now + 70_000)) == []
    assert source.api_calls == 2


def test_a_missing_log_file_is_a_log_scan_error(tmp_path: Path) -> None:
    with pytest.raises(LogScanError, match="does not exist"):
        list(LocalLogSource(tmp_path).events("/aws/lambda/never-ran", 0, 1))
    with pytest.raises(LogScanError, match="not a local function's log group"):
        list(LocalLogSource(tmp_path).events("/ecs/other", 0, 1))


def test_timestamps_round_trip() -> None:
    assert parse_timestamp_ms(iso_timestamp(1714564800.123)) == 1714564800123
    assert parse_timestamp_ms("garbage") is None


@pytest.mark.parametrize(
    ("name", "runtime", "arch", "problem"),
    [
        ("_speedups.cpython-39-x86_64-linux-gnu.so", "python3.12", "x86_64", "CPython 3.9"),
        ("_speedups.cpython-312-x86_64-linux-gnu.so", "python3.12", "arm64", "built for x86_64"),
        ("_speedups.cpython-312-darwin.so", "python3.12", "x86_64", "not Linux"),
        ("_speedups.cpython-312-aarch64-linux-gnu.so", "python3.12", "arm64", None),
        ("_speedups.abi3.so", "python3.12", "x86_64", None),
        ("_speedups.pyd", "python3.12", "x86_64", "Windows"),
    ],
)
def test_extension_tags_are_checked(name: str, runtime: str, arch: str, problem: str | None) -> None:
    found = abi.extension_problem(Path(name), abi.declared_version(runtime), arch)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_runtime_info_names_the_python_and_flags_extensions(tmp_path: Path) -> None:
    package = tmp_path / "pkg" / "lib"
    package.mkdir(parents=True)
    (package / "fast.cpython-38-x86_64-linux-gnu.so").write_bytes(b"")
    info = abi.check("python3.2", "x86_64", [tmp_path])
    assert info["declared_runtime"] == "python3.2"
    assert info["python_executable"] == sys.executable
    assert any("declares python3.2 but runs locally on Python" in w for w in info["warnings"])
    assert any("fast.cpython-38" in w and "CPython 3.8" in w for w in info["warnings"])


def test_the_runtime_directory_holds_only_lambdas_runtime_packages() -> None:
    names = {path.name for path in runtime_dir().iterdir()}
    assert {"awslambdaric", "boto3", "botocore", "jmespath", "dateutil", "s3transfer"} <= names
    assert not names & {"yaml", "httpx", "pytest", "jsonschema", "smoke"}
