"""The peer for bench/render: Jinja2, the engine behind Ansible's `template` module, rendering
Portico's own nginx site template (nunjucks syntax is Jinja2's) from the same site plans.

Usage: python3 jinja2_peer.py TEMPLATE_ROOT PLANS.json RUNS OUT.txt
Prints the median milliseconds of RUNS renders of every plan; writes the last render to OUT.txt
so the caller can check the bytes match Portico's.
"""

import json
import re
import statistics
import sys
import time

from jinja2 import Environment, FileSystemLoader, StrictUndefined

WORD = re.compile(r"^[A-Za-z0-9._~:/\[\]*@+=,-]+$")


def word(value):
    if not isinstance(value, str) or not WORD.match(value):
        raise ValueError(f"unsafe word {value!r}")
    return value


def nginx_str(value):
    if re.search(r"[\x00-\x1f\x7f$]", value):
        raise ValueError(f"unsafe nginx string {value!r}")
    return '"' + re.sub(r'([\\"])', r"\\\1", value) + '"'


def integer(value):
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"not a non-negative integer {value!r}")
    return value


def main():
    root, plans_file, runs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    env = Environment(
        loader=FileSystemLoader(root),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        word=word, words=lambda vs: " ".join(word(v) for v in vs), int=integer, nginx_str=nginx_str
    )
    template = env.get_template("nginx/site.conf.njk")
    with open(plans_file) as f:
        plans = json.load(f)
    template.render(site=plans[0])  # warm-up
    times = []
    rendered = []
    for _ in range(runs):
        start = time.perf_counter()
        rendered = [template.render(site=plan) for plan in plans]
        times.append((time.perf_counter() - start) * 1000)
    with open(out, "w") as f:
        f.write("".join(rendered))
    print(f"{statistics.median(times):.0f}")


if __name__ == "__main__":
    main()
