#!/bin/sh
# Every rule on task 1 (one-shot association, ideal 1-50 nS, noise 0.1), 150 iterations of 32
# episodes each, seed 0, plastic only; then `python examples/plastic/table.py runs/plastic/table`
# writes the table of examples/plastic/RESULTS.md.
set -e
for rule in hebbian oja bcm; do
  for mod in none direct eligibility; do
    OMP_NUM_THREADS=1 python -m circuitsnn train examples/plastic/one_shot_ideal.toml --no-plots \
      --out runs/plastic/table/${rule}_${mod} --set run.iterations=150 --set run.eval_episodes=256 \
      --set plastic.static=false --set plastic.rule=\"$rule\" --set plastic.modulation=\"$mod\"
  done
done
