"""Run every benchmark in bench/ one after another (`make bench`). Each prints its own figures
beside a baseline measured in the same run; see docs/performance.md."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

for script in sorted(HERE.glob("*/bench_*.py")):
    print(f"\n=== {script.relative_to(HERE)} ===", flush=True)
    subprocess.run([sys.executable, str(script)], check=False)
