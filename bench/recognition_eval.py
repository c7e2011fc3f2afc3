"""Outcome matching methods compared on the hand-labelled evaluation set: precision and recall
of "this target outcome is covered", and decision accuracy, on the set's even cases (where the
method and thresholds were chosen), its odd cases (held out) and all of them. Also the time
a case takes (median, embeddings warm) and the load (`uptime`). Not a test.

    PYTHONPATH=$PWD .venv/bin/python bench/recognition_eval.py [--errors]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

from app.recognition.evaluation import case_inputs, evaluate, load
from app.recognition.matching import Options, match

SET = Path(__file__).resolve().parents[1] / "tests" / "recognition" / "data" / "evaluation.json"
METHODS = {
    "chosen: words or meaning or both": Options(),
    "words only (term table + cognates)": Options(meaning=None),
    "words only, no term table (cognates)": Options(meaning=None, terms=False),
    "meaning only (USE multilingual)": Options(threshold=9, words_alone=9),
    "chosen, without the Bloom gate": Options(bloom_slack=None),
    "words or meaning (either alone)": Options(words_alone=0.3, meaning_with_words=9),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the chosen method's errors")
    args = parser.parse_args()
    cases = load(SET)
    parts = {"choice (even)": cases[0::2], "held out (odd)": cases[1::2], "all": cases}
    print(f"{len(cases)} cases, {sum(len(c['expected']['coverage']) for c in cases)} rows")
    for name, options in METHODS.items():
        print(f"\n{name}")
        for part, chosen in parts.items():
            print(f"  {part:15} {evaluate(chosen, options).line()}")
    timings = []
    for case in cases:
        target, items = case_inputs(case)
        start = time.perf_counter()
        match(target.outcomes, [i.outcomes for i in items])
        timings.append(time.perf_counter() - start)
    print(f"\nmatching one case (embeddings cached): median {statistics.median(timings) * 1e3:.1f}"
          f" ms; load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}"
          f"; {os.cpu_count()} cores")
    if args.errors:
        print("\n".join(evaluate(cases).errors))


if __name__ == "__main__":
    main()
