"""Every collectable dataset, found by looking for ``DATASET`` in each operator module."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from .. import keys
from ..errors import ConfigurationError
from ..model import Dataset

OPERATORS = ("miso",)


@cache
def all_datasets() -> tuple[Dataset, ...]:
    """All declared datasets, their key templates checked."""
    found: list[Dataset] = []
    for operator in OPERATORS:
        package = importlib.import_module(f"{__name__}.{operator}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            dataset = getattr(module, "DATASET", None)
            if isinstance(dataset, Dataset):
                keys.check_template(dataset.key_template)
                found.append(dataset)
    return tuple(sorted(found, key=lambda d: d.name))


def get(name: str) -> Dataset:
    """The dataset called ``name`` (or ``operator command``), or a clear error."""
    for dataset in all_datasets():
        if name in (dataset.name, f"{dataset.operator} {dataset.command}", dataset.command):
            return dataset
    valid = ", ".join(d.name for d in all_datasets())
    raise ConfigurationError(f"unknown dataset {name!r}; known datasets: {valid}")
