"""Command-line arguments that name datasets and their parameters (watch, collect)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import click

from ..datasets import all_datasets
from ..model import Dataset, Parameter


def dataset_named(name: str, hint: str) -> Dataset:
    """The dataset called ``name`` (its name or command), or a usage error listing all."""
    for dataset in all_datasets():
        if name in (dataset.name, dataset.command):
            return dataset
    known = ", ".join(f"{d.name} ({d.command})" for d in all_datasets())
    raise click.BadParameter(f"unknown dataset {name!r}; choose from: {known}",
                             param_hint=hint)


def chosen_datasets(names: Sequence[str]) -> list[Dataset]:
    """The datasets the DATASET arguments name, each once, in order; every one if none."""
    named = {d.name: d for d in (dataset_named(n, "DATASET") for n in names)}
    return list(named.values()) or list(all_datasets())


def seconds_by_dataset(values: Sequence[str], option: str) -> dict[str, float]:
    """``DATASET=SECONDS`` pairs, keyed by dataset name."""
    found: dict[str, float] = {}
    for value in values:
        name, sep, seconds = value.partition("=")
        try:
            number = float(seconds)
        except ValueError:
            number = float("nan")
        if not sep or not (math.isfinite(number) and number >= 0):
            raise click.BadParameter(f"{value!r} is not DATASET=SECONDS", param_hint=option)
        found[dataset_named(name.strip(), option).name] = number
    return found


def param_option(verb: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The repeatable ``--param DATASET.PARAMETER=VALUE`` option of ``verb`` (watch, collect)."""
    return click.option(
        "--param", multiple=True, metavar="DATASET.PARAMETER=VALUE",
        help=f"A dataset parameter; repeat with other values to {verb} each, e.g. "
             "--param miso_csat_supply_demand.region=SOUTH "
             "--param miso_csat_supply_demand.region=NORTH.")


def parameter_settings(values: Sequence[str]) -> Iterator[tuple[Dataset, Parameter, str]]:
    """Each ``DATASET.PARAMETER=VALUE`` checked against the declarations (value upper-cased)."""
    for value in values:
        head, sep, choice = value.partition("=")
        name, dot, parameter_name = head.rpartition(".")
        if not (sep and dot):
            raise click.BadParameter(f"{value!r} is not DATASET.PARAMETER=VALUE",
                                     param_hint="--param")
        dataset = dataset_named(name, "--param")
        parameter = next((p for p in dataset.parameters if p.name == parameter_name), None)
        if parameter is None:
            known = ", ".join(p.name for p in dataset.parameters) or "none"
            raise click.BadParameter(f"{dataset.name} has no parameter {parameter_name!r} "
                                     f"(it has: {known})", param_hint="--param")
        if choice.upper() not in parameter.choices:
            raise click.BadParameter(f"{choice!r} is not one of {', '.join(parameter.choices)}",
                                     param_hint="--param")
        yield dataset, parameter, choice.upper()


def parameter_choices(values: Sequence[str]) -> dict[str, dict[str, list[str]]]:
    """``DATASET.PARAMETER=VALUE`` settings by dataset name; a parameter given several
    times keeps every value, in order, once."""
    found: dict[str, dict[str, list[str]]] = {}
    for dataset, parameter, choice in parameter_settings(values):
        chosen = found.setdefault(dataset.name, {}).setdefault(parameter.name, [])
        if choice not in chosen:
            chosen.append(choice)
    return found


def combinations(given: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """One parameter mapping per combination of the values given (one empty one if none)."""
    return [dict(zip(given, values, strict=True))
            for values in itertools.product(*given.values())]
