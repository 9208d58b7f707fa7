"""MISO datasets: one module per endpoint, each declaring ``DATASET``."""
