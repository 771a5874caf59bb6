#!/bin/sh
# Task 1 for seeds 1 and 2 (seed 0: the commands of RESULTS.md): the ideal run, then each device
# family fine-tuned from that seed's ideal run; `python examples/plastic/table.py runs/plastic`
# then adds the mean +- std table over seeds 0-2.
set -e
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
for s in 1 2; do
  python -m circuitsnn train examples/plastic/one_shot_ideal.toml --out runs/plastic/s$s/one_shot_ideal --set run.seed=$s
  for fam in digital schottky vteam optocoupler biolek; do
    python -m circuitsnn train examples/plastic/one_shot_$fam.toml --out runs/plastic/s$s/one_shot_$fam \
      --set run.seed=$s --set "run.init=\"runs/plastic/s$s/one_shot_ideal\""
  done
done
