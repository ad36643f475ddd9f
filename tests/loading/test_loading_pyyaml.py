"""smoke.loading.pyyaml: PyYAML's Reader gets the small pattern, and it means the same."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from smoke.loading.pyyaml import CONTROL, NON_PRINTABLE_TEXT

REPO = Path(__file__).resolve().parents[2]


def _pyyaml_own() -> re.Pattern[str]:
    # re.UNICODE is what a str pattern means anyway; as a flag it is another cache key,
    # so this compiles PyYAML's own text instead of finding CONTROL
    return re.compile(NON_PRINTABLE_TEXT, re.UNICODE)


def test_the_small_pattern_finds_what_pyyamls_finds_at_every_code_point() -> None:
    every = "".join(map(chr, range(0x110000)))
    own = [m.start() for m in _pyyaml_own().finditer(every)]
    assert own == [m.start() for m in CONTROL.finditer(every)]
    assert len(own) == 2048 + 29 + 32 + 2  # surrogates, C0 but tab/LF/CR, DEL and C1 but NEL, FFFE/F


def test_pyyamls_reader_gets_it_at_import() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = ("import sys, smoke.loading.yamlload, yaml.reader, smoke.loading.pyyaml as p; "
            "print(yaml.reader.Reader.NON_PRINTABLE is p.CONTROL, 'yaml.reader' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "True"]  # else PyYAML spells it otherwise now


@pytest.mark.parametrize("text", ["a: 1\nb: \x07\n", "ok: \x85fine\n", "x: \ud800\n",
                                  "\ufeffa: b\x00", "k: \U0001F600 \uffff"])
def test_the_reader_reports_the_same_character_at_the_same_place(text: str) -> None:
    class Own(yaml.SafeLoader):  # the pure-Python loader with PyYAML's own pattern
        NON_PRINTABLE = _pyyaml_own()

    class Small(yaml.SafeLoader):  # with the one smoke offers (this process imported
        NON_PRINTABLE = CONTROL  # yaml before smoke: its Reader has PyYAML's own)

    def report(loader: type[yaml.SafeLoader]) -> str:
        try:
            yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            return str(exc)
        return "no error"

    assert report(Small) == report(Own) != "no error"
