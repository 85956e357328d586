"""Where a Spark application spent its time: its event log's stages, longest first, with their tasks'
CPU and run time summed (a profile for bench/NOTES.md).

    .venv/bin/python bench/spark_stages.py EVENT_LOG_FILE [--top 15]
"""
import argparse
import json

p = argparse.ArgumentParser()
p.add_argument("log")
p.add_argument("--top", type=int, default=15)
args = p.parse_args()
stages, tasks = {}, {}
for line in open(args.log):
    e = json.loads(line)
    if e["Event"] == "SparkListenerStageCompleted":
        i = e["Stage Info"]
        stages[(i["Stage ID"], i["Stage Attempt ID"])] = (i["Stage Name"], (i["Completion Time"] - i["Submission Time"]) / 1000, i["Number of Tasks"])
    elif e["Event"] == "SparkListenerTaskEnd" and e.get("Task Metrics"):
        m = e["Task Metrics"]
        k = (e["Stage ID"], e["Stage Attempt ID"])
        cpu, run = tasks.get(k, (0, 0))
        tasks[k] = (cpu + m["Executor CPU Time"] / 1e9, run + m["Executor Run Time"] / 1e3)
total = sum(s[1] for s in stages.values())
print(f"{len(stages)} stages, {total:.1f}s of stage wall time")
for k, (name, sec, n) in sorted(stages.items(), key=lambda kv: -kv[1][1])[:args.top]:
    cpu, run = tasks.get(k, (0, 0))
    print(f"{sec:7.2f}s  tasks {n:3d}  task run {run:6.1f}s cpu {cpu:6.1f}s  {name.splitlines()[0][:90]}")
