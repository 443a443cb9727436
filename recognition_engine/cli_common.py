"""Argument types shared by the `recognise` subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .errors import InputError, Problem


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

