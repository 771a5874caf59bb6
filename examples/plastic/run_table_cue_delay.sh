#!/bin/sh
# Every rule on task 2 (cue-delay-reward, ideal 1-50 nS, noise 0.1), 60 iterations of 32
# episodes each, seed 0, plastic only (the static twin of cue_delay_ideal.toml is the baseline);
# `python examples/plastic/table.py runs/plastic` prints the table.
set -e
for rule in hebbian oja bcm; do
  for mod in none direct eligibility; do
    OMP_NUM_THREADS=1 python -m circuitsnn train examples/plastic/cue_delay_ideal.toml --no-plots \
      --out runs/plastic/table_cue_delay/${rule}_${mod} --set run.iterations=60 --set run.eval_episodes=256 \
      --set plastic.static=false --set plastic.rule=\"$rule\" --set plastic.modulation=\"$mod\"
  done
done
