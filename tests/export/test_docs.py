"""The export documentation names every column each dataset declares."""

import pytest

from gridcollect.datasets import all_datasets
from gridcollect.export import columns_of

from .support import REPO


@pytest.mark.parametrize("dataset", all_datasets(), ids=lambda d: d.name)
def test_docs_export_md_names_every_column(dataset):
    """docs/export.md and the README stay in step with the declared tables."""
    docs = (REPO / "docs" / "export.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for column in columns_of(dataset.table):
        assert f"`{column.name}`" in docs, column.name
        assert f"`{column.name}`" in readme, column.name
