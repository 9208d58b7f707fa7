"""How a command ends: its exit code, or one clear line on stderr and the error's code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

import click

from ..errors import GridcollectError
from ..secrets import redact


def run_reporting_errors(action: Callable[[], int]) -> NoReturn:
    """Run ``action`` and exit with its code; known failures never show a traceback."""
    try:
        code = action()
    except GridcollectError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code)
