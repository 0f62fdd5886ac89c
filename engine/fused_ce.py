"""The output layer and cross-entropy in one pass, chunk by chunk, never holding all the logits.

With a 4,096-token vocabulary, a batch of 32 x 128 positions has 16M logits
(64 MB): writing them, soft-maxing them and reading them back for the
gradient is a third of a small model's training step on a CPU. Here each chunk
of positions gets its logits, its loss and its gradients at once, while the
chunk is still in cache; backward then only scales the stored gradients.
Same arithmetic as `F.cross_entropy(h @ W.T, y)` (tests compare both).

Not handled: ignore_index, label smoothing, a bias on the output layer, and
double backward. Use it only when gradients are wanted (it computes them).
"""
from __future__ import annotations

import torch


class LinearCrossEntropy(torch.autograd.Function):
    """mean_i CE(h_i @ W.T, y_i), with the gradients for h and W computed in forward."""

    @staticmethod
    def forward(ctx, h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int) -> torch.Tensor:
        # h (N, C) hidden states, weight (V, C) output embeddings, targets (N,) token ids
        n = h.shape[0]
        grad_h = torch.empty_like(h)  # (N, C)
        grad_w = torch.zeros_like(weight)  # (V, C)
        total = h.new_zeros(())
        for i in range(0, n, chunk):
            hc, yc = h[i : i + chunk], targets[i : i + chunk]
            logits = hc @ weight.T  # (n, V)
            lse = torch.logsumexp(logits, dim=1)  # (n,)
            total += (lse - logits.gather(1, yc[:, None]).squeeze(1)).sum()
            probs = logits.sub_(lse[:, None]).exp_()  # softmax, in place: d(sum CE)/d(logits) = probs - onehot
            probs[torch.arange(len(yc)), yc] -= 1.0
            torch.mm(probs, weight, out=grad_h[i : i + chunk])
            grad_w.addmm_(probs.T, hc)
        ctx.save_for_backward(grad_h, grad_w)
        ctx.n = n
        return total / n

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        grad_h, grad_w = ctx.saved_tensors
        scale = grad_out / ctx.n
        return grad_h * scale, grad_w * scale, None, None


def linear_cross_entropy(h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, *, chunk: int = 256):
    """Mean next-token loss of hidden states h (N, C) under output embeddings weight (V, C)."""
    return LinearCrossEntropy.apply(h, weight, targets, chunk)
