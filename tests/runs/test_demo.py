"""The demo: every dataset, both shapes, through the real pipeline into local backends."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from gridcollect import datasets
from gridcollect.digest import sha256_of
from gridcollect.runs import demo
from gridcollect.samples import sample, shapes_of


def _stored(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*.json.gz")}


def _payload_digests(root: Path) -> set[tuple[str, str]]:
    """(dataset, payload SHA-256) of every stored object, unwrapped from its envelope."""
    found = set()
    for key, path in _stored(root).items():
        for dataset in datasets.all_datasets():
            if f"/{dataset.name}/" in f"/{key}":
                payload = dataset.unwrap(json.loads(gzip.decompress(path.read_bytes())))
                found.add((dataset.name, sha256_of(payload)))
    return found


def test_demo_stores_every_dataset_in_both_shapes(tmp_path: Path) -> None:
    """run_demo exits 0 and stores each dataset's documented and wire sample once."""
    lines: list[str] = []
    assert demo.run_demo(tmp_path, echo=lines.append) == 0
    expected = {
        (dataset.name, sha256_of(sample(dataset.endpoint, shape, demo.DEMO_INSTANT)))
        for dataset in datasets.all_datasets()
        for shape in shapes_of(dataset.endpoint)
    }
    assert _payload_digests(tmp_path) == expected
    assert len(_stored(tmp_path)) == len(expected)
    output = "\n".join(lines)
    assert "What just happened" in output
    for key in _stored(tmp_path):
        assert key in output


def test_demo_rerun_stores_nothing_new(tmp_path: Path) -> None:
    """A second run on the same directory finds every payload registered and exits 0."""
    assert demo.run_demo(tmp_path, echo=lambda _line: None) == 0
    before = {key: path.read_bytes() for key, path in _stored(tmp_path).items()}
    lines: list[str] = []
    assert demo.run_demo(tmp_path, echo=lines.append) == 0
    assert {key: path.read_bytes() for key, path in _stored(tmp_path).items()} == before
    stored = sum(len(shapes_of(d.endpoint)) for d in datasets.all_datasets())
    assert any(f"skipped {stored} duplicate(s)" in line for line in lines)


def test_demo_runs_are_repeatable(tmp_path: Path) -> None:
    """Two fresh directories get the same keys holding the same payloads."""
    first, second = tmp_path / "a", tmp_path / "b"
    demo.run_demo(first, echo=lambda _line: None)
    demo.run_demo(second, echo=lambda _line: None)
    assert set(_stored(first)) == set(_stored(second))
    assert _payload_digests(first) == _payload_digests(second)
