"""gridcollect: collect grid operators' real-time market data, once per distinct snapshot."""

__version__ = "0.1.0"

__all__ = ["__version__"]
