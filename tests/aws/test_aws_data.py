"""smoke.awsdata: botocore's data, loaded as botocore loads it (same data, same errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.loaders import Loader, create_loader

from smoke import aws, awsdata
from smoke.model import Environment


def _same(ours: object, theirs: object) -> None:
    """Equal, and in the same order (json.dumps keeps each dict's order)."""
    assert ours == theirs
    assert json.dumps(ours) == json.dumps(theirs)


@pytest.mark.parametrize(
    ("service", "type_name"),
    [
        ("lambda", "service-2"),
        ("lambda", "endpoint-rule-set-1"),
        ("lambda", "paginators-1"),  # has a paginators-1.sdk-extras.json to merge in
        ("logs", "service-2"),
        ("cloudformation", "waiters-2"),
    ],
)
def test_service_models_are_botocore_s(service: str, type_name: str) -> None:
    _same(
        awsdata.DataLoader().load_service_model(service, type_name),
        Loader().load_service_model(service, type_name),
    )


def test_other_data_is_botocore_s() -> None:
    ours, theirs = awsdata.DataLoader(), Loader()
    for name in ("endpoints", "partitions", "_retry", "sdk-default-configuration"):
        _same(ours.load_data(name), theirs.load_data(name))
    assert ours.list_available_services("service-2") == theirs.list_available_services("service-2")
    assert type(ours.load_data("endpoints")) is dict  # not OrderedDict: half the CPU


def test_unknown_service_and_type_are_botocore_s_errors() -> None:
    ours, theirs = awsdata.DataLoader(), Loader()
    for loader in (ours, theirs):
        with pytest.raises(UnknownServiceError) as raised:
            loader.load_service_model("lambada", "service-2")
        assert "lambada" in str(raised.value) and "lambda" in str(raised.value)
    with pytest.raises(UnknownServiceError) as mine:
        ours.load_service_model("lambda", "waiters-9")
    with pytest.raises(UnknownServiceError) as botocores:
        theirs.load_service_model("lambda", "waiters-9")
    assert str(mine.value) == str(botocores.value)
    with pytest.raises(DataNotFoundError):
        ours.load_service_model("lambda", "service-2", api_version="1999-01-01")


def test_data_path_models_are_found_first(tmp_path: Path) -> None:
    """AWS_DATA_PATH (botocore's ``data_path``): a model there wins over botocore's own,
    and a service only there is known, as with botocore's loader."""
    lambda_model = Loader().load_service_model("lambda", "service-2")
    for service in ("lambda", "lambda-copy"):
        target = tmp_path / service / "2015-03-31"
        target.mkdir(parents=True)
        (target / "service-2.json").write_text(
            json.dumps({**lambda_model, "documentation": f"from {service}"}), encoding="utf-8"
        )
    search = f"{tmp_path}:{tmp_path / 'missing'}"
    for service in ("lambda", "lambda-copy"):
        ours = awsdata.create_loader(search).load_service_model(service, "service-2")
        _same(ours, create_loader(search).load_service_model(service, "service-2"))
        assert ours["documentation"] == f"from {service}"


def test_sessions_load_with_it_and_clients_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", "/nonexistent/models")
    aws.forget_sessions()
    env = Environment(name="e", region="eu-central-1")
    try:
        loader = aws.session(env).get_component("data_loader")
        assert isinstance(loader, awsdata.DataLoader)
        assert loader.search_paths[0] == "/nonexistent/models"
        made = aws.client(env, "lambda")
        assert made.meta.endpoint_url == "https://lambda.eu-central-1.amazonaws.com"
        assert made.can_paginate("list_functions")
    finally:
        aws.forget_sessions()


# ------------------------------------------------------------ botocore's files, kept parsed


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "botocore-data"


def test_botocore_files_are_kept_parsed_and_read_back(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = awsdata.DataLoader().load_service_model("lambda", "service-2")
    entries = sorted(cache.iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # no temporary left
    with monkeypatch.context() as patched:
        patched.setattr(awsdata.json, "loads", _no_json)
        kept = awsdata.DataLoader().load_service_model("lambda", "service-2")
    _same(kept, fresh)
    _same(kept, Loader().load_service_model("lambda", "service-2"))


def test_a_damaged_or_foreign_entry_is_parsed_again(cache: Path) -> None:
    awsdata.DataLoader().load_data("endpoints")
    (entry,) = cache.iterdir()
    whole = entry.read_bytes()
    for damaged in (whole[:-7], whole[:100] + bytes([whole[100] ^ 1]) + whole[101:], b"junk"):
        entry.write_bytes(damaged)
        _same(awsdata.DataLoader().load_data("endpoints"), Loader().load_data("endpoints"))
        assert entry.read_bytes() == whole  # written again, whole
    entry.unlink()
    entry.mkdir()  # not a regular file: ignored, and not replaced
    _same(awsdata.DataLoader().load_data("endpoints"), Loader().load_data("endpoints"))


def test_no_usable_cache_directory_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(blocker / "cache"))  # cannot be made
    _same(awsdata.DataLoader().load_data("partitions"), Loader().load_data("partitions"))
    monkeypatch.delenv("SMOKE_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("HOME")
    monkeypatch.setattr(Path, "home", _no_home)
    _same(awsdata.DataLoader().load_data("partitions"), Loader().load_data("partitions"))


def test_only_botocore_s_own_files_are_kept(cache: Path, tmp_path: Path) -> None:
    target = tmp_path / "models" / "lambda" / "2015-03-31"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text('{"metadata": {}, "shapes": {}}', encoding="utf-8")
    loader = awsdata.create_loader(str(tmp_path / "models"))
    assert loader.load_service_model("lambda", "service-2") == {"metadata": {}, "shapes": {}}
    assert not cache.exists()


def test_a_changed_file_has_another_key(tmp_path: Path) -> None:
    from botocore import BOTOCORE_ROOT

    path = str(Path(BOTOCORE_ROOT) / "data" / "partitions.json")
    assert awsdata._key(path) == awsdata._key(path)
    assert awsdata._key(str(tmp_path / "partitions.json")) is None  # not botocore's
    assert awsdata._key(path + ".missing") is None


def _no_json(*args: object, **kwargs: object) -> object:
    raise AssertionError("parsed the JSON again instead of reading the kept copy")


def _no_home() -> Path:
    raise RuntimeError("no home")
