"""Maintenance: find stored objects that no record refers to ("orphans") and delete them.

``{"dry_run": true}`` only reports what it would delete. The example's inventory is a
bundled JSON file (a real one would list an S3 bucket and query a database); deleting is
not implemented here at all, so even a non-dry run changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INVENTORY = Path(__file__).with_name("inventory.json")


def find_orphans(objects: list[str], referenced: set[str]) -> list[str]:
    # Keys are compared exactly: the incident this example recalls normalized one side only.
    return sorted(key for key in objects if key not in referenced)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    inventory = json.loads(INVENTORY.read_text())
    objects: list[str] = inventory["objects"]
    orphans = find_orphans(objects, set(inventory["referenced"]))
    percentage = round(100.0 * len(orphans) / len(objects), 2) if objects else 0.0
    dry_run = bool(event.get("dry_run", True))
    print(f"cleanup: {len(objects)} objects, {len(orphans)} orphans ({percentage}%), dry_run={dry_run}")
    return {
        "dry_run": dry_run,
        "scanned": len(objects),
        "orphan_percentage": percentage,
        "would_delete": orphans if dry_run else [],
        "deleted": [],
    }
