"""The release gate: test the new version before it gets traffic, shift, watch, roll back.

``smoke gate ENV`` for each function whose environment entry names an alias
(``qualifier: live``):

1. **candidate**: ``--version N``, else the newest published version that is not the
   alias's current one (``targets``);
2. **pre-check**: the suites against the candidate by its version number, log scan
   included; any failure: the alias is not touched, "held" (exit 1);
3. **promote**: optionally a weighted canary first (``RoutingConfig``; the checks run
   through the alias and the candidate's log streams are scanned during the window),
   then the alias points at the candidate;
4. **post-check**: the suites through the alias; a failure points the alias back at the
   previous version, "rolled back" (exit 1).

Every decision is a ``Decision`` in the JSON, JUnit and console reports (``report``).
An interrupt or a crash restores every alias the gate touched before it exits
(``aliases.AliasKeeper``). The same phases run inside Lambda as a CodeDeploy hook
(``smoke.hooks.codedeploy``), with the pre-check alone against the deployment's target.
"""

from __future__ import annotations

from smoke.gate.model import Decision, GateOptions, Target

__all__ = ["Decision", "GateOptions", "Target"]
