"""`recognise`: the command line. One module per command group:

    rank.py      demo, rank            ranked candidates for credentials
    assess.py    assess, validate      recommendations and explanations; checking input files
    batch.py     batch, transcripts    many rows or transcripts through the batch kernel
    evaluate.py  evaluate              recall and MRR against a gold file
    calibrate.py calibrate             refitting the equivalence probability
    export.py    (helpers)             ELMO, CTDL and CSV output for assess and transcripts
    common.py    (helpers)             argument types, running a command, reading input files

Other packages add commands through the entry point group `recognition_engine.commands`
(the service registers keys, worker, decisions, purge, audit and serve from `api.cli`):
the engine never imports them.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

from . import assess, batch, calibrate, evaluate, rank
from .common import run_command

COMMAND_GROUPS = (rank, assess, batch, evaluate, calibrate)
ENTRY_POINTS = "recognition_engine.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recognise", description="Recognition decision support: " + __doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_parser(sub)
    for entry in entry_points(group=ENTRY_POINTS):
        try:
            register = entry.load()
        except ImportError:  # the package is there but not its extra (e.g. api without fastapi)
            continue
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv))
