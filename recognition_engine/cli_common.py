"""Argument types shared by the `recognise` subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from .errors import InputError


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
