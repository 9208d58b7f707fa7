"""The runs that drive the pipeline: one-shot windows, watch and its timing, bursts, the demo.

Kept empty on purpose: importing one run must not load the others (or their clients).
"""
