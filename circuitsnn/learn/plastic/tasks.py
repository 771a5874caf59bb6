"""Generated tasks where learning inside an episode is necessary (no downloads).

Every episode is a spike raster ``x`` ``(T, B, n_in)`` of read pulses (0/1 per step) on
``n_in = n_pattern + n_classes`` input lines: pattern (cue) lines and one label ("reward")
line per class. ``queries`` are step windows ``[start, end)`` in which the network answers
(its output spike counts), ``y`` ``(B, Q)`` the right answers. A pattern is a random binary
vector (each line on with probability ``density``); while shown, a line that is on spikes with
probability ``p_on`` per step, a line that is off with ``p_off``.

1. :class:`OneShotAssociation` — each episode draws ``n_classes`` new patterns and a new random
   pattern -> label pairing, shows every pair once (pattern + its label line), then queries
   every pattern once in random order, each with a fraction ``noise`` of its lines flipped,
   without label. The label of a query is a uniform random permutation of the classes drawn
   independently of the patterns, so any fixed function of the query alone is at chance
   ``1 / n_classes`` (tested through :meth:`query_only`).
2. :class:`CueDelay` — the cues (patterns) are fixed by the task seed, their meaning (which
   action, signalled by a reward line while the cue is shown) is redrawn every episode; after a
   delay of ``delay_steps`` of background noise (every line spikes with probability
   ``noise * p_on``), each cue is queried once (``noise`` of its lines flipped) and the network
   must answer the action rewarded with it in this episode (SpikePropamine-style cue-association
   over a noisy delay).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

TASKS = ("one_shot", "cue_delay")


@dataclass
class Episode:
    """A batch of episodes: ``x`` ``(T, B, n_in)``, query windows, answers ``y`` ``(B, Q)``,
    and ``phases`` ``[(name, start, end)]`` for plots."""

    x: torch.Tensor
    queries: list[tuple[int, int]]
    y: torch.Tensor
    phases: list[tuple[str, int, int]] = field(default_factory=list)


def _patterns(n: int, b: int, lines: int, density: float, gen: torch.Generator) -> torch.Tensor:
    """``(b, n, lines)`` random binary patterns, at least one line on."""
    p = (torch.rand(b, n, lines, generator=gen) < density).float()
    empty = p.sum(-1) == 0
    if bool(empty.any()):
        idx = torch.randint(lines, (int(empty.sum()),), generator=gen)
        p[empty, idx] = 1.0
    return p


def _flip(p: torch.Tensor, noise: float, gen: torch.Generator) -> torch.Tensor:
    f = (torch.rand(p.shape, generator=gen) < noise).float()
    return p * (1 - f) + (1 - p) * f


def _show(p: torch.Tensor, steps: int, p_on: float, p_off: float, gen: torch.Generator) -> torch.Tensor:
    """Spikes ``(steps, B, lines)`` of patterns ``p`` ``(B, lines)``."""
    prob = p * p_on + (1 - p) * p_off
    return (torch.rand(steps, *p.shape, generator=gen) < prob).float()


@dataclass
class TaskSpec:
    """Common knobs (module docstring): sizes, rates per step, steps per phase, noise."""

    n_classes: int = 3
    n_pattern: int = 24
    density: float = 0.5
    p_on: float = 0.5
    p_off: float = 0.02
    present_steps: int = 10
    gap_steps: int = 4
    delay_steps: int = 40
    noise: float = 0.1
    seed: int = 0

    @property
    def n_in(self) -> int:
        return self.n_pattern + self.n_classes


class OneShotAssociation(TaskSpec):
    """Task 1 (module docstring)."""

    kind = "one_shot"

    def __init__(self, **kw) -> None:
        TaskSpec.__init__(self, **{k: v for k, v in kw.items() if k != "delay_steps"})

    def sample(self, batch: int, generator: torch.Generator, *, noise: float | None = None) -> Episode:
        noise = self.noise if noise is None else float(noise)
        K, P, S, G = self.n_classes, self.n_pattern, self.present_steps, self.gap_steps
        pats = _patterns(K, batch, P, self.density, generator)
        label = torch.argsort(torch.rand(batch, K, generator=generator), dim=1)  # pattern k -> label
        order = torch.argsort(torch.rand(batch, K, generator=generator), dim=1)  # presentation order
        qorder = torch.argsort(torch.rand(batch, K, generator=generator), dim=1)
        chunks, phases, queries, ys = [], [], [], []
        t = 0
        ar = torch.arange(batch)
        for i in range(K):
            k = order[:, i]
            lab = torch.nn.functional.one_hot(label[ar, k], K).float()
            chunks.append(torch.cat([_show(pats[ar, k], S, self.p_on, self.p_off, generator),
                                     _show(lab, S, 1.0, 0.0, generator)], -1))
            chunks.append(self._gap(batch, generator))
            phases.append((f"pair {i + 1}", t, t + S))
            t += S + G
        for i in range(K):
            k = qorder[:, i]
            q = _flip(pats[ar, k], noise, generator)
            chunks.append(torch.cat([_show(q, S, self.p_on, self.p_off, generator), torch.zeros(S, batch, K)], -1))
            chunks.append(self._gap(batch, generator))
            queries.append((t, t + S + G))
            phases.append((f"query {i + 1}", t, t + S))
            ys.append(label[ar, k])
            t += S + G
        return Episode(torch.cat(chunks, 0), queries, torch.stack(ys, 1), phases)

    def _gap(self, batch: int, gen: torch.Generator) -> torch.Tensor:
        bg = _show(torch.zeros(batch, self.n_pattern), self.gap_steps, self.p_on, self.p_off, gen)
        return torch.cat([bg, torch.zeros(self.gap_steps, batch, self.n_classes)], -1)

    def query_only(self, n: int, generator: torch.Generator, *, noise: float | None = None,
                   leak: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """What a network without memory of the episode could use: the noisy query patterns
        ``(n, n_pattern)`` and their labels, one query per episode. ``leak=True`` is a broken
        generator for tests (patterns and pairing fixed across episodes): a classifier must
        then beat chance."""
        noise = self.noise if noise is None else float(noise)
        g = generator
        if leak:
            fixed = _patterns(self.n_classes, 1, self.n_pattern, self.density, torch.Generator().manual_seed(self.seed))
            k = torch.randint(self.n_classes, (n,), generator=g)
            return _flip(fixed[0, k], noise, g), k
        ep = self.sample(n, g, noise=noise)
        S = self.present_steps
        s0 = ep.queries[0][0]
        # the pattern lines of the first query, as rates over its presentation
        return ep.x[s0:s0 + S, :, :self.n_pattern].mean(0), ep.y[:, 0]


class CueDelay(TaskSpec):
    """Task 2 (module docstring): ``n_classes`` cues and as many actions."""

    kind = "cue_delay"

    def __init__(self, **kw) -> None:
        TaskSpec.__init__(self, **kw)
        self.cues = _patterns(self.n_classes, 1, self.n_pattern, self.density, torch.Generator().manual_seed(self.seed))[0]

    def sample(self, batch: int, generator: torch.Generator, *, noise: float | None = None) -> Episode:
        noise = self.noise if noise is None else float(noise)
        K, P, S, G = self.n_classes, self.n_pattern, self.present_steps, self.gap_steps
        meaning = torch.argsort(torch.rand(batch, K, generator=generator), dim=1)  # cue k -> action
        order = torch.argsort(torch.rand(batch, K, generator=generator), dim=1)
        qorder = torch.argsort(torch.rand(batch, K, generator=generator), dim=1)
        ar = torch.arange(batch)
        chunks, phases, queries, ys = [], [], [], []
        t = 0
        for i in range(K):
            k = order[:, i]
            rew = torch.nn.functional.one_hot(meaning[ar, k], K).float()
            chunks.append(torch.cat([_show(self.cues[k], S, self.p_on, self.p_off, generator),
                                     _show(rew, S, 1.0, 0.0, generator)], -1))
            chunks.append(self._quiet(batch, G, 0.0, generator))
            phases.append((f"cue {i + 1} + reward", t, t + S))
            t += S + G
        chunks.append(self._quiet(batch, self.delay_steps, noise, generator))
        phases.append(("noisy delay", t, t + self.delay_steps))
        t += self.delay_steps
        for i in range(K):
            k = qorder[:, i]
            q = _flip(self.cues[k], noise, generator)
            chunks.append(torch.cat([_show(q, S, self.p_on, self.p_off, generator), torch.zeros(S, batch, K)], -1))
            chunks.append(self._quiet(batch, G, 0.0, generator))
            queries.append((t, t + S + G))
            phases.append((f"query {i + 1}", t, t + S))
            ys.append(meaning[ar, k])
            t += S + G
        return Episode(torch.cat(chunks, 0), queries, torch.stack(ys, 1), phases)

    def _quiet(self, batch: int, steps: int, noise: float, gen: torch.Generator) -> torch.Tensor:
        """Background: pattern lines at ``p_off``; during the delay every line (reward lines
        too) also spikes with ``noise * p_on``."""
        p = torch.full((steps, batch, self.n_in), self.p_off if noise == 0 else self.p_off + noise * self.p_on)
        if noise == 0:
            p[..., self.n_pattern:] = 0.0
        return (torch.rand(p.shape, generator=gen) < p).float()


def make_task(kind: str, **kw) -> TaskSpec:
    if kind == "one_shot":
        return OneShotAssociation(**kw)
    if kind == "cue_delay":
        return CueDelay(**kw)
    raise ValueError(f"unknown task {kind!r}; tasks: {', '.join(TASKS)}")
