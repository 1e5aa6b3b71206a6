"""python plot.py RESULTS.json CHART.png: jobs/s per system, 1 and 2 worker processes, grouped bars."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

data = json.load(open(sys.argv[1]))
names, one, two = [], [], []
for name, res in data["systems"].items():
    runs = res.get("runs", {})
    names.append(name if runs else name + "\n(failed)")
    one.append(runs.get("1", {}).get("jobs_per_s", 0))
    two.append(runs.get("2", {}).get("jobs_per_s", 0))

fig, ax = plt.subplots(figsize=(9, 4.8), dpi=120)
x = range(len(names))
width = 0.38
for offset, values, label, color in ((-width / 2, one, "1 worker process", "#4c72b0"),
                                     (width / 2, two, "2 worker processes", "#dd8452")):
    bars = ax.bar([i + offset for i in x], values, width, label=label, color=color)
    for bar, value in zip(bars, values):
        if value:
            ax.annotate("{:,.0f}".format(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
ax.set_xticks(list(x))
ax.set_xticklabels(names)
ax.set_ylabel("no-op jobs per second (first job to last)")
ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: "{:,.0f}".format(v)))
m = data["machine"]
rb = data.get("redis_benchmark", {})
ceiling = ", ".join("%s %s/s" % (t.upper(), "{:,.0f}".format(rb[t]["per_s"])) for t in ("lpush", "rpop")
                    if "per_s" in rb.get(t, {}))
ax.set_title("{:,} no-op jobs on one Redis".format(data["n"]) + " %s, %d cores (%s); connectq %s\nceiling, redis-benchmark with 50 clients: %s" % (
    m["redis"], m["cores"], m["cpu"], data["versions"].get("connectq", ""), ceiling or "not measured"), fontsize=10)
ax.legend()
ax.grid(axis="y", alpha=0.3)
ax.set_axisbelow(True)
fig.tight_layout()
fig.savefig(sys.argv[2])
