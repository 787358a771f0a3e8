"""The same repository and --as-of give byte-identical output, across processes.

String hashing differs between Python processes, so a set whose order leaks into a
report passes every in-process comparison and still changes the report between runs.
This test renders in two processes with different hash seeds.
"""

import os
import subprocess
import sys

import pytest

from tests.scenario_support import as_of_of


@pytest.mark.parametrize("name", ["mature", "gitlab_jira"])
@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_output_is_identical_across_hash_seeds(scenario, name, fmt):
    path = scenario(name)
    outputs = []
    for seed in ("1", "2"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env["PYTHONHASHSEED"] = seed
        proc = subprocess.run([sys.executable, "-m", "auditor", "audit", str(path), "--no-cache", "--quiet",
                               "--as-of", as_of_of(name).isoformat(), "--format", fmt],
                              capture_output=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
