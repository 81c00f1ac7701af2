"""A hand-written PyTorch WGAN-GP of keras_wgan's DCGANs: the reference `bench/backends.py` times.

What a PyTorch user writes for Gulrajani et al. 2017 ("Improved Training of Wasserstein
GANs", https://arxiv.org/abs/1704.00028, Algorithm 1), on the networks that
`keras_wgan.architectures.dcgan_generator` / `dcgan_critic` build:

- generator: Linear(latent -> base * base * top) (no bias before batch norm), reshape,
  BatchNorm, ReLU; per stage a 5x5 stride-2 ConvTranspose2d (Keras ``padding="same"``:
  ``padding=2, output_padding=1``) + BatchNorm + ReLU, halving the width; a 5x5 Conv2d to the
  image channels with tanh. ``norm=None`` drops the batch norms and keeps the biases.
- critic: per stage a 5x5 stride-2 Conv2d (``padding=2``) + LeakyReLU(0.2), doubling the width;
  Flatten; Linear(1). No normalization (the penalty is per example).
- initialization: Glorot-uniform weights and zero biases, Keras's defaults (torch's own is
  Kaiming-uniform); BatchNorm with Keras's epsilon 1e-3 and momentum 0.99 (torch: 0.01).
- layout: channels-first, torch's own. Keras is channels-last (its torch backend transposes
  around each convolution); flattening order and the one-pixel alignment of "same" padding
  differ, which changes no shape and no cost.

The step: 5 critic updates, each on a fresh slice of the real batch, with fresh noise and a
mixing weight ``a ~ U[0, 1]`` per example; the fake images of a critic update are made without
gradient; Adam(1e-4, betas (0.5, 0.9)) for both players, lambda 10; then one generator update
with the critic's parameters frozen (``requires_grad_(False)``: no critic weight gradients).

``compiled=True`` uses `torch.compile` where it works. torch.compile cannot differentiate its
own compiled graph twice ("torch.compile with aot_autograd does not currently support double
backward"), and the penalty is a double backward through the critic; so the compiled step
compiles the generator (both of its uses) and the critic where it is differentiated once (real
and fake scores, the generator's loss), and runs the critic eagerly on the interpolates.

``--count-flops`` counts the FLOPs of one step with `torch.utils.flop_counter`'s formulas
(convolutions and matrix products, forward, backward and the penalty's double backward;
element-wise work is not counted), so images/s converts to achieved FLOP/s and a share of the
device's peak.

    .venv/bin/python bench/torch_reference.py --side 28 --width 64 --batch 64 --steps 10
    .venv/bin/python bench/torch_reference.py --side 64 --channels 3 --width 32 --batch 32 --compile
    python bench/torch_reference.py --side 64 --channels 3 --width 64 --device cuda --compile
"""

import argparse
import json
import time

import torch
from torch import nn

CRITIC_STEPS = 5
PENALTY_WEIGHT = 10.0


def _stages(side):
    """Number of 2x scalings down to a >= 4 pixel map (as `keras_wgan.architectures.dcgan`)."""
    stages = 0
    while side % 2 == 0 and side // 2 >= 4:
        side //= 2
        stages += 1
    return stages, side


def _init_like_keras(module):
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return module


def _batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class Generator(nn.Module):
    """Noise ``(B, latent)`` -> images ``(B, C, side, side)`` in [-1, 1]."""

    def __init__(self, latent_dim=128, side=28, channels=1, width=64, norm="batch"):
        super().__init__()
        stages, base = _stages(side)
        top = width * 2 ** (stages - 1)
        self.shape = (top, base, base)
        batch_norm = norm == "batch"
        self.project = nn.Linear(latent_dim, top * base * base, bias=not batch_norm)
        layers = [_batch_norm(top)] if batch_norm else []
        layers.append(nn.ReLU())
        filters_in = top
        for stage in range(stages):
            filters = max(width, top // 2 ** (stage + 1)) if stage < stages - 1 else width
            layers.append(nn.ConvTranspose2d(filters_in, filters, 5, stride=2, padding=2,
                                             output_padding=1, bias=not batch_norm))
            if batch_norm:
                layers.append(_batch_norm(filters))
            layers.append(nn.ReLU())
            filters_in = filters
        layers += [nn.Conv2d(filters_in, channels, 5, padding=2), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        _init_like_keras(self)

    def forward(self, z):
        return self.body(self.project(z).view(-1, *self.shape))


class Critic(nn.Module):
    """Images ``(B, C, side, side)`` -> one unbounded score per example ``(B, 1)``."""

    def __init__(self, side=28, channels=1, width=64):
        super().__init__()
        stages, base = _stages(side)
        layers, filters_in = [], channels
        for stage in range(stages):
            filters = width * 2 ** stage
            layers += [nn.Conv2d(filters_in, filters, 5, stride=2, padding=2), nn.LeakyReLU(0.2)]
            filters_in = filters
        layers += [nn.Flatten(), nn.Linear(filters_in * base * base, 1)]
        self.body = nn.Sequential(*layers)
        _init_like_keras(self)

    def forward(self, x):
        return self.body(x)


class WGANGP:
    """Gulrajani et al. 2017, Algorithm 1, one ``train_step`` per generator update."""

    def __init__(self, generator, critic, latent_dim, critic_steps=CRITIC_STEPS,
                 penalty_weight=PENALTY_WEIGHT, compiled=False, device="cpu"):
        self.generator, self.critic = generator.to(device), critic.to(device)
        self.device = device
        self.latent_dim, self.critic_steps = latent_dim, critic_steps
        self.penalty_weight = penalty_weight
        self.g_optimizer = torch.optim.Adam(generator.parameters(), 1e-4, betas=(0.5, 0.9))
        self.d_optimizer = torch.optim.Adam(critic.parameters(), 1e-4, betas=(0.5, 0.9))
        # The penalty's critic stays eager (double backward); see the module docstring.
        self.generate = torch.compile(generator) if compiled else generator
        self.score = torch.compile(critic) if compiled else critic

    def gradient_penalty(self, real, fake):
        alpha = torch.rand(real.shape[0], 1, 1, 1, device=self.device)
        mixed = (fake + alpha * (real - fake)).requires_grad_(True)
        (grads,) = torch.autograd.grad(self.critic(mixed).sum(), mixed, create_graph=True)
        return ((grads.flatten(1).norm(dim=1) - 1.0) ** 2).mean()

    def critic_step(self, real):
        with torch.no_grad():
            fake = self.generate(torch.randn(real.shape[0], self.latent_dim, device=self.device))
        wasserstein = self.score(real).mean() - self.score(fake).mean()
        loss = -wasserstein + self.penalty_weight * self.gradient_penalty(real, fake)
        self.d_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.d_optimizer.step()
        return loss.detach()

    def generator_step(self, batch_size):
        self.critic.requires_grad_(False)
        noise = torch.randn(batch_size, self.latent_dim, device=self.device)
        loss = -self.score(self.generate(noise)).mean()
        self.g_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.g_optimizer.step()
        self.critic.requires_grad_(True)
        return loss.detach()

    def train_step(self, real):
        """``real``: ``critic_steps * B`` images; critic update i reads slice i."""
        size = real.shape[0] // self.critic_steps
        for i in range(self.critic_steps):
            d_loss = self.critic_step(real[i * size:(i + 1) * size])
        g_loss = self.generator_step(size)
        return float(d_loss), float(g_loss)


def build(side=28, channels=1, width=64, latent_dim=128, generator_norm="batch", compiled=False,
          seed=0, device="cpu"):
    torch.manual_seed(seed)
    generator = Generator(latent_dim, side, channels, width, generator_norm)
    critic = Critic(side, channels, width)
    return WGANGP(generator, critic, latent_dim, compiled=compiled, device=device)


def real_batches(count, per_step, channels, side, seed=0, device="cpu"):
    """``count`` batches of ``per_step`` images uniform in [-1, 1], made before any timing."""
    data = torch.rand(count * per_step, channels, side, side,
                      generator=torch.Generator().manual_seed(seed)) * 2 - 1
    return data.to(device).split(per_step)


def images_per_second(side=28, channels=1, width=64, batch=64, steps=10, compiled=False,
                      warmup=2, seed=0, device="cpu"):
    """Critic images/s of ``steps`` timed generator steps (after ``warmup`` untimed ones).

    The step returns its losses as Python floats, so each step ends synchronized (GPU too).
    """
    model = build(side, channels, width, compiled=compiled, seed=seed, device=device)
    per_step = batch * CRITIC_STEPS
    data = real_batches(warmup + steps, per_step, channels, side, seed, device)
    for real in data[:warmup]:
        model.train_step(real)
    start = time.perf_counter()
    for real in data[warmup:]:
        model.train_step(real)
    return per_step * steps / (time.perf_counter() - start)


def flops_per_step(side=28, channels=1, width=64, batch=64, device="cpu"):
    """FLOPs of one train step (5 critic updates + 1 generator update), counted by torch.

    Each dispatched operation is priced by `torch.utils.flop_counter`'s own formulas; its
    `FlopCounterMode` itself cannot be used here, since its module hooks refuse
    `torch.autograd.grad` with respect to a leaf tensor (the penalty's interpolates).
    """
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import flop_registry

    class Count(TorchDispatchMode):
        total = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if func._overloadpacket in flop_registry:
                self.total += flop_registry[func._overloadpacket](*args, **kwargs, out_val=out)
            return out

    model = build(side, channels, width, device=device)
    (real,) = real_batches(1, batch * CRITIC_STEPS, channels, side, device=device)
    with Count() as counter:
        model.train_step(real)
    return counter.total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=28)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64, help="real images per critic step")
    parser.add_argument("--steps", type=int, default=10, help="timed generator steps")
    parser.add_argument("--compile", action="store_true", help="torch.compile where it works")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, ...")
    parser.add_argument("--count-flops", action="store_true",
                        help="also count one step's FLOPs (torch.utils.flop_counter)")
    args = parser.parse_args()
    shape = dict(side=args.side, channels=args.channels, width=args.width, batch=args.batch,
                 device=args.device)
    rate = images_per_second(steps=args.steps, compiled=args.compile, **shape)
    report = {"images_per_s": rate, "compiled": args.compile, "device": args.device,
              "threads": torch.get_num_threads()}
    if args.count_flops:
        flops = flops_per_step(**shape)
        report.update(flops_per_step=flops,
                      flops_per_s=flops * rate / (args.batch * CRITIC_STEPS))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
