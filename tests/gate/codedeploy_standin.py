"""A loopback stand-in for the three CodeDeploy calls the hook makes (JSON 1.1 protocol).

moto's CodeDeploy has GetDeployment but neither GetApplicationRevision nor
PutLifecycleEventHookExecutionStatus, so this answers all three, the way CodeDeploy
does for a Lambda deployment: GetDeployment's revision carries only the AppSpec's
sha256, GetApplicationRevision its content.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "CodeDeploy_20141006."


def appspec(functions: list[tuple[str, str, str, str]]) -> str:
    """An AppSpec like SAM's: (logical id, name, alias, current, target) -> JSON."""
    return json.dumps({
        "version": 0.0,
        "Resources": [
            {f"Fn{i}": {"Type": "AWS::Lambda::Function", "Properties": {
                "Name": name, "Alias": alias, "CurrentVersion": current, "TargetVersion": target}}}
            for i, (name, alias, current, target) in enumerate(functions)
        ],
    })


class CodeDeployStandIn(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.deployments: dict[str, str] = {}  # id -> AppSpec content
        self.statuses: list[dict[str, Any]] = []  # PutLifecycleEventHookExecutionStatus calls
        self.calls: list[str] = []
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CodeDeployStandIn

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        operation = (self.headers.get("X-Amz-Target") or "").removeprefix(PREFIX)
        self.server.calls.append(operation)
        deployments = self.server.deployments
        if operation == "GetDeployment":
            content = deployments.get(request.get("deploymentId", ""))
            if content is None:
                self._send(400, {"__type": "DeploymentDoesNotExistException", "message": "no such deployment"})
                return
            sha = hashlib.sha256(content.encode()).hexdigest()
            self._send(200, {"deploymentInfo": {
                "deploymentId": request["deploymentId"], "applicationName": "app",
                "computePlatform": "Lambda", "status": "InProgress",
                "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"sha256": sha}},
            }})
        elif operation == "GetApplicationRevision":
            sha = request["revision"]["appSpecContent"]["sha256"]
            content = next(c for c in deployments.values() if hashlib.sha256(c.encode()).hexdigest() == sha)
            self._send(200, {"applicationName": "app", "revision": {
                "revisionType": "AppSpecContent", "appSpecContent": {"content": content, "sha256": sha}}})
        elif operation == "PutLifecycleEventHookExecutionStatus":
            self.server.statuses.append({**request, "at": time.monotonic()})
            self._send(200, {"lifecycleEventHookExecutionId": request["lifecycleEventHookExecutionId"]})
        else:
            self._send(400, {"__type": "UnknownOperationException", "message": operation})
