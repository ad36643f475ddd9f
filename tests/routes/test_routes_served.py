"""`routes: {from: openapi, path: /openapi.json}`: the document the function serves itself.

The function runs on smoke's local runtime; the document is fetched through the same
invoke transport as the checks. The FastAPI test installs FastAPI and Mangum from PyPI
once (cached under ~/.cache/smoke-tests) and runs a real app, as a user would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypi_cache import installed
from routes_support import Write

from smoke.cli import main

HANDLER = '''
import json

DOC = {
    "openapi": "3.1.0",
    "info": {"title": "plain", "version": "1"},
    "servers": [{"url": "/prod"}],
    "paths": {
        "/items": {"get": {}, "post": {}},
        "/items/{item_id}": {"get": {"parameters": [
            {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}]}},
        "/broken": {"get": {}},
    },
}
SEEN = []


def handler(event, context):
    path, method = event["path"], event["httpMethod"]
    print("REQUEST", method, path, json.dumps(event.get("pathParameters")))
    if path == "/openapi.json":
        if "FAIL_DOC" in __import__("os").environ:
            raise RuntimeError("the app could not start")
        return {"statusCode": 200, "body": json.dumps(DOC)}
    if path == "/broken":
        return {"statusCode": 500, "body": "{}"}
    return {"statusCode": 200 if method == "GET" else 201, "body": "{}"}
'''


def project(write: Write, *, env: str = "") -> Path:
    write("src/app.py", HANDLER)
    write("suites/items.yaml", """\
        suite: items
        function: api
        routes:
          from: openapi
          path: /openapi.json
        """)
    return write("smoke.yaml", f"""\
        environments:
          local:
            functions:
              api:
                handler: app.handler
                code: src
                {env}
        """)


def run(config: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    report = tmp_path / "out" / "r.json"
    code = main(["run", "local", "--config", str(config), "--json", str(report), "--junit",
                 str(tmp_path / "out" / "r.xml"), "--log-wait", "2", *extra])
    return code, json.loads(report.read_text())


def test_the_served_document_gives_the_checks(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(write)
    code, report = run(config, tmp_path)
    checks = {c["name"]: c for c in report["checks"]}  # type: ignore[attr-defined]
    # /prod is not a prefix: the function serves its document at /openapi.json itself
    assert sorted(checks) == ["GET /broken", "GET /items", "GET /items/{item_id}"]
    assert code == 1 and checks["GET /broken"]["outcome"] == "failed"
    assert checks["GET /items"]["outcome"] == "passed"
    assert checks["GET /items"]["source"] == "GET /openapi.json (GET /items)"
    log = (tmp_path / "out" / "logs" / "api.log").read_text()
    assert 'REQUEST GET /items/1 {"item_id": "1"}' in log  # an integer parameter: 1
    assert "REQUEST POST" not in log  # listed, never sent
    assert log.count("REQUEST GET /openapi.json") == 1


def test_a_function_that_cannot_serve_its_document_fails_the_run(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(write, env="environment: {FAIL_DOC: '1'}")
    code, report = run(config, tmp_path)
    (check,) = report["checks"]  # type: ignore[misc]
    assert code == 1 and check["name"] == "GET /openapi.json"
    assert check["outcome"] == "failed" and "the app could not start" in json.dumps(check)
    assert "could not be read" in capsys.readouterr().err


def test_a_path_that_is_not_a_document_is_a_config_error(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(write)
    write("suites/items.yaml", "suite: items\nfunction: api\nroutes:\n  from: openapi\n"
          "  path: /items\n")
    assert main(["list", "local", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "suites/items.yaml:5: GET /items is not an OpenAPI document" in err


# ------------------------------------------------------------------ FastAPI + Mangum

FASTAPI_APP = '''
from fastapi import FastAPI, HTTPException
from mangum import Mangum

from app.routers import load

app = FastAPI(title="bookshop")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/api/v1/books/{book_id}")
def book(book_id: int):
    raise HTTPException(status_code=401, detail="Not authenticated")


@app.get("/api/v1/authors")
def authors():
    return load("app.api.authors").answer()


@app.get("/api/v1/stores")
def stores():
    return load("src.app.api.stores").answer()  # a repository-root import path


@app.post("/api/v1/orders")
def order():
    print("WRITE: an order was placed")
    return {"ok": True}


handler = Mangum(app, lifespan="off")
'''


@pytest.mark.slow
def test_a_real_fastapi_app_behind_mangum(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        layer = installed("fastapi", ["fastapi==0.115.6", "mangum==0.19.0"], into="python")
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"FastAPI could not be installed from PyPI: {exc}")
    write("src/app/__init__.py", "")
    write("src/app/main.py", FASTAPI_APP)
    write("src/app/routers.py", "import importlib\n\ndef load(name):\n"
          "    return importlib.import_module(name)\n")
    write("src/app/api/__init__.py", "")
    write("src/app/api/authors.py", "def answer():\n    return []\n")
    write("src/app/api/stores.py", "def answer():\n    return []\n")
    write("suites/books.yaml", """\
        suite: books
        function: api
        event: apigw-http
        routes: {from: openapi, path: /openapi.json}
        """)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    config = write("smoke.yaml", f"""\
        environments:
          local:
            functions:
              api:
                handler: app.main.handler
                code: src
                runtime: {version}
                layers: [{layer}]
        """)
    code, report = run(config, tmp_path)
    checks = {c["name"]: c for c in report["checks"]}  # type: ignore[attr-defined]
    assert sorted(checks) == ["GET /api/v1/authors", "GET /api/v1/books/{book_id}",
                              "GET /api/v1/stores", "GET /health"]
    outcomes = {name: c["outcome"] for name, c in checks.items()}
    assert outcomes == {"GET /api/v1/authors": "passed", "GET /api/v1/books/{book_id}": "passed",
                        "GET /api/v1/stores": "failed", "GET /health": "passed"}
    assert checks["GET /api/v1/books/{book_id}"]["status"] == 401  # book_id=1 reached the app
    assert code == 1
    assert "WRITE" not in (tmp_path / "out" / "logs" / "api.log").read_text()
