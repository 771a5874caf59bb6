"""Training-time augmentation of image data: random whole-pixel translations.

``[data] augment_shift = N``: every training image of a batch is moved by ``(dy, dx)`` drawn
uniformly from ``-N .. N`` pixels each, the uncovered border filled with zeros (no pulse),
drawn anew each epoch from the epoch's seeded generator, so a run stays deterministic and a
resumed run draws what an uninterrupted one does. Small shifts are the classic augmentation
for handwritten digits (Simard, Steinkraus & Platt, ICDAR 2003); the test and validation
images are never moved.
"""

from __future__ import annotations

import torch


def shift_images(x: torch.Tensor, shape: tuple[int, ...], max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``x`` ``(B, H*W)`` (rows of flattened ``shape = (H, W)`` images) with each image shifted
    by its own random ``(dy, dx)`` in ``-max_shift .. max_shift``, zero fill."""
    if max_shift <= 0:
        return x
    h, w = shape
    b = x.shape[0]
    n = max_shift
    padded = torch.nn.functional.pad(x.reshape(b, h, w), (n, n, n, n))
    d = torch.randint(0, 2 * n + 1, (b, 2), generator=generator)
    rows = (d[:, 0, None] + torch.arange(h))[:, :, None]  # (B, H, 1): the window's rows in the padded image
    cols = (d[:, 1, None] + torch.arange(w))[:, None, :]  # (B, 1, W)
    out = padded[torch.arange(b)[:, None, None], rows, cols]
    return out.reshape(b, h * w)


__all__ = ["shift_images"]
