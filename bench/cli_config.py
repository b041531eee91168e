"""What reading and validating the config file costs a command, through real processes.

Times `notifycenter config view -o json` without a config file (the schema is not even
imported) and with a typical one (three contexts, `[hub]`, `[tui]` with a keymap and a
notification policy), each the median of `--repeat` runs in fresh processes.
`--source DIR` runs the package found in DIR instead (for example an older tree from
`git archive REV notifycenter | tar -x -C DIR`), to compare.
Run: .venv/bin/python bench/cli_config.py [--repeat 15] [--source DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
current-context = "local"

[contexts.local]
server = "http://127.0.0.1:9181"

[contexts.staging]
server = "https://notify.staging.example:9181"
token = "staging-token"

[contexts.prod]
server = "https://notify.prod.example:9181"
token-file = "prod.token"

[hub]
bind = "127.0.0.1:9181"
stall-after = "15m"

[tui]
theme = "textual-dark"
bell = "CRITICAL"

[tui.keymap]
"lifecycle.ack" = "a,ctrl+k"

[tui.notifications]
min-severity = "WARNING"
mute = ["urn:meshery:adapter:consul"]
max-toasts = 5
window = 10

[tui.notifications.sources]
"urn:meshery:adapter:istio" = "ERROR"
"""


def median_seconds(env: dict[str, str], repeat: int, cwd: Path) -> float:
    command = [sys.executable, "-m", "notifycenter", "config", "view", "-o", "json"]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--source", type=Path, help="folder holding the package to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "prod.token").write_text("prod-token\n")
        env = {**os.environ, "NOTIFYCENTER_DATA_DIR": str(root / "data")}
        env.pop("NOTIFYCENTER_SERVER", None)
        env.pop("NOTIFYCENTER_TOKEN", None)
        if args.source:  # ahead of the installed package; the working folder is not on the path
            env["PYTHONPATH"] = str(args.source.resolve())
        missing = {**env, "NOTIFYCENTER_CONFIG": str(root / "none.toml")}
        median_seconds(missing, 2, root)  # warm the file system cache
        without = median_seconds(missing, args.repeat, root)
        config = root / "config.toml"
        config.write_text(CONFIG)
        with_file = median_seconds({**env, "NOTIFYCENTER_CONFIG": str(config)}, args.repeat, root)
    print(f"config view, no config file:      {without * 1000:7.1f} ms (median of {args.repeat})")
    print(f"config view, typical config file: {with_file * 1000:7.1f} ms (median of {args.repeat})")
    print(f"reading and validating the file:  {(with_file - without) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
