#!/bin/sh
# Seeds 1 and 2 (seed 0: the commands of RESULTS.md): task 1's ideal run, then each device family
# fine-tuned from that seed's ideal run, and the two variants chosen on validation episodes
# (Schottky at lr 0.001, Biolek with local pulse counts); task 2's ideal run.
# `python examples/plastic/table.py runs/plastic` then adds the mean +- std table over seeds 0-2.
set -e
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
for s in 1 2; do
  python -m circuitsnn train examples/plastic/one_shot_ideal.toml --out runs/plastic/s$s/one_shot_ideal --set run.seed=$s
  for fam in digital schottky vteam optocoupler biolek; do
    python -m circuitsnn train examples/plastic/one_shot_$fam.toml --out runs/plastic/s$s/one_shot_$fam \
      --set run.seed=$s --set "run.init=\"runs/plastic/s$s/one_shot_ideal\""
  done
  python -m circuitsnn train examples/plastic/one_shot_schottky.toml --out runs/plastic/s$s/one_shot_schottky_lr001 \
    --set run.seed=$s --set "run.init=\"runs/plastic/s$s/one_shot_ideal\"" --set optimizer.lr=0.001
  python -m circuitsnn train examples/plastic/one_shot_biolek.toml --out runs/plastic/s$s/one_shot_biolek_local \
    --set run.seed=$s --set "run.init=\"runs/plastic/s$s/one_shot_ideal\"" --set 'plastic.mapping="local"'
  python -m circuitsnn train examples/plastic/cue_delay_ideal.toml --out runs/plastic/s$s/cue_delay_ideal \
    --set run.seed=$s --set run.iterations=120
done
