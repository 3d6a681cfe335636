"""The functions with the most py-spy samples (own time and with callees), from the raw
files `bench/throughput.py --profile DIR` writes.

    python bench/profile_summary.py DIR [--top 25] [--match integration]
"""

import argparse
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only frames whose text contains this")
    args = parser.parse_args()
    for group in ("web", "worker"):
        own, inclusive, total = Counter(), Counter(), 0
        for path in sorted(args.folder.glob(f"{group}-*.txt")):
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                frames = stack.split(";")
                if any(f.startswith(("wait (threading", "_wait_for_tstate_lock", "select ("))
                       for f in frames[-2:]):  # fmt: skip
                    continue  # idle threads
                total += int(count)
                own[frames[-1]] += int(count)
                for frame in set(frames):
                    if args.match in frame:
                        inclusive[frame] += int(count)
        if not total:
            continue
        print(f"\n== {group}: {total} busy samples ==\n-- own time")
        for frame, count in own.most_common(args.top):
            print(f"{count * 100 / total:5.1f}%  {frame}")
        print("-- with callees")
        for frame, count in inclusive.most_common(args.top):
            print(f"{count * 100 / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
