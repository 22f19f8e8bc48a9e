#!/usr/bin/env python3
"""Summarise an ONNX Runtime profile (Chrome trace JSON written by `vl bench-engine --graphs ... --profile PREFIX`).

Usage: python3 tools/perf/ort_profile_summary.py PROFILE.json [--top 15]
Prints, per op type, the total kernel time over all runs of the session, its share, and the node count; plus the
number of runs (model_run events) so per-run figures can be derived. Only "Node" events with a "_kernel_time" suffix
are counted (ORT also records fence/before/after events).
"""
import json, sys, collections

def main():
    path = sys.argv[1]
    top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 15
    events = json.load(open(path))
    by_op = collections.Counter()
    nodes = collections.Counter()
    runs = [e['dur'] for e in events if e.get('cat') == 'Session' and e.get('name') == 'model_run']
    for e in events:
        if e.get('cat') != 'Node' or not e.get('name', '').endswith('_kernel_time'):
            continue
        op = e.get('args', {}).get('op_name', '?')
        by_op[op] += e['dur']
        nodes[op] += 1
    total = sum(by_op.values())
    print(f'{path}: {len(runs)} runs, model_run total {sum(runs)/1e3:.1f} ms, kernels {total/1e3:.1f} ms')
    for op, us in by_op.most_common(top):
        print(f'  {op:32s} {us/1e3:10.1f} ms {100*us/total:5.1f}%  ({nodes[op]} node runs)')

if __name__ == '__main__':
    main()
