#!/usr/bin/env python3
"""Summarises a V8 profile from V8's own fields into the golden cpuprofile_test.cc reads.

  golden.py FILE > NAME.golden
cpuprofile lines:  samples N        (length of samples)
                   hits N           (sum of the nodes' hitCount, V8's own per-node tally)
                   wall_us N        (last sample's end minus the first sample's time)
                   top N NAME       (10 functions with most samples: samples[] counted
                                     by the function of each node id)
heapprofile lines: self_size N      (sum of selfSize)
                   objects N        (samples whose nodeId is in the tree, if any)
                   top BYTES NAME   (10 functions with most selfSize)
"""
import json
import sys
from collections import Counter


def walk(node):
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo.extend(n.get("children") or [])


def name_of(n):
    frame = n.get("callFrame") or n
    return frame.get("functionName") or "(anonymous)"


def main():
    d = json.load(open(sys.argv[1]))
    out = []
    if "nodes" in d or "timestamps" in d or "timeDeltas" in d:
        nodes = d["nodes"] if "nodes" in d else list(walk(d["head"]))
        samples = d.get("samples") or []
        out.append(f"samples {len(samples)}")
        out.append(f"hits {sum(n.get('hitCount', 0) for n in nodes)}")
        if "timeDeltas" in d:
            times, t = [], d["startTime"]
            for delta in d["timeDeltas"]:
                t += delta
                times.append(t)
            end = d["endTime"]
        else:
            times = d["timestamps"]
            end = times[len(samples)] if len(times) > len(samples) else d["endTime"]
        if samples:
            out.append(f"wall_us {max(end, times[len(samples) - 1]) - times[0]}")
        by_id = {n["id"]: n for n in nodes}
        top = Counter(name_of(by_id[i]) for i in samples)
    else:
        nodes = list(walk(d["head"]))
        out.append(f"self_size {sum(n.get('selfSize', 0) for n in nodes)}")
        if d.get("samples"):
            # V8 also lists samples of nodes it pruned from the tree; those have no stack.
            ids = {n.get("id") for n in nodes}
            out.append(f"objects {sum(1 for s in d['samples'] if s['nodeId'] in ids)}")
        top = Counter()
        for n in nodes:
            if n.get("selfSize"):
                top[name_of(n)] += n["selfSize"]
    for name, v in sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
        out.append(f"top {v} {name}")
    print("# V8's own fields, summarised by golden.py")
    print("\n".join(out))


if __name__ == "__main__":
    main()
