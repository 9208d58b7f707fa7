"""Output files of export and plot: the format a name asks for, and atomic writing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigurationError


def format_of(output: Path, known: Sequence[str], option: str = "--output") -> str:
    """The format ``output``'s extension names, or a usage error when it names none known."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in known:
        raise ConfigurationError(
            f"{option} {output}: {'no' if not suffix else 'unknown'} file extension; "
            f"end the name with one of: {', '.join('.' + k for k in known)}"
        )
    return suffix


@contextmanager
def replaced(output: Path) -> Iterator[Path]:
    """A temporary path beside ``output``, renamed onto it when the block succeeds.

    A failed write (read-only directory, full disk) leaves neither a partial file nor the
    temporary one, and ends as one usage error naming ``output``.
    """
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        os.replace(temporary, output)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {output}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):  # an unusable directory: it was never created
            temporary.unlink(missing_ok=True)
