"""Cold start: the command line loads no heavy client until an option needs it."""

import subprocess
import sys

HEAVY = ("boto3", "botocore", "confluent_kafka", "pyarrow", "matplotlib", "redis", "httpx",
         "duckdb", "pandas",
         "urllib3", "prometheus_client")


def test_importing_the_command_line_imports_no_heavy_client():
    """``gridcollect --help`` stays fast: S3, Kafka, Redis, Arrow and HTTP clients wait."""
    code = ("import sys, gridcollect.cli; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"
