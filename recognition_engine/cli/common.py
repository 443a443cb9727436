"""What the `recognise` subcommands share: argument types, running a command, reading a file
named on the command line, and the catalogue, policy and engine a command works with.

Credentials are read by one path, `intake.read_credential_paths` (the formats layer
underneath), for `validate`, `assess` and `rank`, as `batch`, `transcripts` and the service
read the credentials inside their rows."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..errors import InputError, Problem


def iso_date(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates, with a message that says what was wrong."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def today() -> dt.date:
    """The default `as_of` of a command: the command line may read the clock, the rules never do."""
    return dt.date.today()


def report_input_error(exc: InputError) -> int:
    """Print every problem of a bad input, one a line, and return the exit status 2."""
    print(f"recognise: {len(exc.problems)} problem(s) in the input:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)
    return 2


def run_command(args) -> int:
    """Run a parsed `recognise` subcommand; bad input prints its problems and exits 2."""
    try:
        return args.func(args)
    except InputError as exc:
        return report_input_error(exc)


def read_input(path: Path) -> bytes:
    """A file named on the command line; a missing or unreadable one is an input problem."""
    try:
        return path.read_bytes()
    except OSError as exc:
        why = "file not found" if not path.exists() else f"cannot be read ({exc.strerror})"
        raise InputError([Problem(str(path), "", "", why)]) from None


def default_catalogue() -> Path:
    from ..paths import examples_dir

    return examples_dir() / "catalogue.yaml"


def load_engine_inputs(catalogue: Path | None, policy: Path | None, encoder: str = "auto"):
    """(catalogue, Assessor) for a command: the policy first (an invalid one fails before any model loads)."""
    from ..assessment import Assessor
    from ..engine import Engine
    from ..loaders import load_catalogue
    from ..policy import load_policy

    loaded_policy = load_policy(policy)
    loaded = load_catalogue(catalogue or default_catalogue())
    return loaded, Assessor(Engine(loaded, encoder=encoder), loaded_policy)
