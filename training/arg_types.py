"""argparse value types shared by the training commands: a bad number is an argparse error (exit 2, with
the option named), never a traceback and never a silently meaningless run."""

from __future__ import annotations

import argparse


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None


def non_negative(value: str) -> float:
    """A weight for a penalty: a negative one would reward what the penalty is there to stop."""
    number = _number(value)
    if not number >= 0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return number


def share(value: str) -> float:
    """A share of rows, 0 to 1 (a cap above 1 would mean nothing more than 1; a negative one, nothing)."""
    number = _number(value)
    if not 0 <= number <= 1:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be a share from 0 to 1, not {value}")
    return number
