"""A function's artifact as ``sam build`` would make it: code, dependencies, layers.

- **Function**: a code directory holding ``requirements.txt`` gets those packages, as
  ``sam build`` installs them beside the code. Here they are installed once into a cached
  directory (``smoke.local.build``) that comes right after the task root on ``sys.path``;
  the code itself is not copied, so an edit shows at the next run.
- **Layer** with ``BuildMethod: python3.x`` (or a local layer directory with a
  ``requirements.txt`` and no ``python/``): its own files and its requirements, both
  where ``/opt/python`` would be. A layer without a build keeps Lambda's layout
  (``python/`` and ``python/lib/pythonX.Y/site-packages``). A ``.txt`` layer (a requirements
  file) is just its packages.
- Nothing is built for what a build tool already built or deploys as it is: CDK assets
  (``aws:asset:path``: CDK runs pip only when it bundles, ``aws:asset:is-bundled``), a
  template under ``.aws-sam/build``, ``SkipBuild``, a ``.zip``, inline code,
  ``BuildMethod: makefile``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smoke.local.build import Target, installed_requirements
from smoke.local.packages import unpacked
from smoke.local.template import PREBUILT, FunctionDefinition

REQUIREMENTS = "requirements.txt"


@dataclass
class Artifact:
    """The directories a function imports from, in Lambda's order, and what was built."""

    task_root: Path
    dependencies: list[Path] = field(default_factory=list)  # installed "into" the task root
    layer_site_packages: list[Path] = field(default_factory=list)
    layer_python: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    builds: list[dict[str, Any]] = field(default_factory=list)

    def import_dirs(self) -> list[Path]:
        return [
            self.task_root, *self.dependencies, *self.layer_site_packages, *self.layer_python
        ]


def _built_elsewhere(path: Path) -> bool:
    return ".aws-sam" in path.parts


def _is_python_build(method: str | None) -> bool:
    return bool(method) and str(method).lower().startswith("python")


class _Builder:
    def __init__(self, definition: FunctionDefinition, target: Target, python_version: str) -> None:
        self.definition = definition
        self.target = target
        self.python_version = python_version
        self.name = definition.name

    def install(self, requirements: Path, what: str, artifact: Artifact) -> Path:
        built = installed_requirements(requirements, self.target, what)
        artifact.builds.append(
            {"what": what, "requirements": str(requirements), "for": self.target.label,
             "directory": str(built)}
        )  # fmt: skip
        return built

    def function(self, artifact: Artifact) -> None:
        d = self.definition
        code = d.code
        requirements = artifact.task_root / REQUIREMENTS
        if not code.is_dir() or not requirements.is_file():
            return
        if d.bundled or _built_elsewhere(code):
            return  # CDK bundled it, or `sam build` did: the dependencies are in the code
        if d.build_method and not _is_python_build(d.build_method):
            artifact.warnings.append(
                f"{self.name} has BuildMethod {d.build_method}, which smoke does not run: "
                "its requirements.txt is not installed. Run `sam build` and point smoke at "
                ".aws-sam/build/template.yaml to test what it builds."
            )
            return
        what = f"function {self.name}"
        artifact.dependencies.append(self.install(requirements, what, artifact))

    def layer(self, source: Path, artifact: Artifact, methods: Mapping[str, str]) -> None:
        method = methods.get(str(source))
        shown = f"{source.name}/" if source.is_dir() else source.name
        label = f"{self.name}'s layer from {shown}"  # never "layer layer of ..."
        if source.is_file() and source.suffix == ".txt":  # a requirements file (layers: map)
            artifact.layer_python.append(self.install(source, label, artifact))
            return
        content = unpacked(source)
        has_python = (content / "python").is_dir()
        requirements = content / REQUIREMENTS
        if _built_elsewhere(source) or (method and not _is_python_build(method)):
            if method not in (None, PREBUILT) and not _built_elsewhere(source):
                artifact.warnings.append(
                    f"layer {source.name} has BuildMethod {method}, which smoke does not run: "
                    "its content is used as it is"
                )
            built = False
        elif _is_python_build(method):
            built = True  # sam build: the layer's files and its requirements in python/
            if has_python:
                artifact.warnings.append(
                    f"layer {source.name} has BuildMethod {method} and a python/ directory: "
                    "`sam build` puts the whole ContentUri under python/, so that directory "
                    "ends up at /opt/python/python (not importable as you may expect)"
                )
        else:
            built = not has_python and requirements.is_file()
        if not built:
            artifact.layer_site_packages.append(
                content / "python" / "lib" / f"python{self.python_version}" / "site-packages"
            )
            artifact.layer_python.append(content / "python")
            return
        artifact.layer_python.append(content)
        if requirements.is_file():
            artifact.layer_python.append(self.install(requirements, label, artifact))


def prepare(definition: FunctionDefinition, target: Target, python_version: str) -> Artifact:
    """Build (or take from the cache) what ``definition`` needs; raises ``BuildError``.

    Layers come in Lambda's order: a later layer overrides an earlier one, as when Lambda
    extracts them into /opt in order."""
    artifact = Artifact(task_root=unpacked(definition.code))
    builder = _Builder(definition, target, python_version)
    builder.function(artifact)
    layers = Artifact(task_root=artifact.task_root)
    for source in reversed(definition.layers):
        builder.layer(source, layers, definition.layer_build_methods)
    artifact.layer_site_packages = layers.layer_site_packages
    artifact.layer_python = layers.layer_python
    artifact.warnings += layers.warnings
    artifact.builds += layers.builds
    return artifact
