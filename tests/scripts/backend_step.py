"""One deterministic step of every model on the backend named by KERAS_BACKEND.

    KERAS_BACKEND=jax python backend_step.py step OUT.npz
    KERAS_BACKEND=jax python backend_step.py save MODEL.keras OUT.npz
    KERAS_BACKEND=torch python backend_step.py load MODEL.keras OUT.npz [MODEL.keras OUT.npz ...]
    KERAS_BACKEND=jax python backend_step.py step OUT.npz save MODEL.keras OUT.npz  # in turn

``step`` writes, for each registered model (`keras_wgan.models.VARIANTS`), the logs of one `train_on_batch` and every weight after
it, from weights, data, noise and interpolation weights fixed by NumPy (the backends'
random streams differ, so the test models replace them with fixed arrays); plus each
objective's losses and the gradient penalty on fixed inputs. ``save`` trains a WGAN-GP for
one step, saves it, and writes its generator's output on fixed noise; ``load`` loads files
(saved by any backend) and writes the same output for each, in one process. The test
compares the backends.
"""

import sys

import keras
import numpy as np
from keras import ops

import keras_wgan as kw

CRITIC_STEPS = 2
BATCH = 8  # real examples per critic step
LATENT = 3
RNG = np.random.default_rng(0)
DATA = RNG.normal(size=(BATCH * 5, 2)).astype("float32")
NOISE = RNG.normal(size=(BATCH, LATENT)).astype("float32")
ALPHA = RNG.uniform(size=(BATCH, 1)).astype("float32")
FIXED_NOISE = np.random.default_rng(7).normal(size=(16, LATENT)).astype("float32")


class FixedPenalty(kw.GradientPenalty):
    def interpolate(self, real, fake):
        return fake + ops.convert_to_tensor(ALPHA) * (real - fake)


def fixed_noise_model(cls):
    class Fixed(cls):
        def sample_noise(self, batch_size):
            return ops.convert_to_tensor(NOISE[:batch_size])

    Fixed.__name__ = cls.__name__
    return Fixed


def networks():
    generator = kw.architectures.mlp_generator(LATENT, 2, width=8, depth=2)
    critic = kw.architectures.mlp_critic(2, width=8, depth=2)
    rng = np.random.default_rng(1)
    for network in (generator, critic):
        network.set_weights([0.5 * rng.normal(size=w.shape).astype("float32")
                             for w in network.get_weights()])
    return generator, critic


def fixed_penalties(variant):
    """The variant's penalties, gradient penalties drawing the fixed interpolation weights."""
    return {name: FixedPenalty(**kwargs) if issubclass(cls, kw.GradientPenalty) else cls(**kwargs)
            for name, (cls, kwargs) in variant.penalties.items()}


def one_step(variant):
    cls = variant.model_class
    generator, critic = networks()
    model = fixed_noise_model(cls)(generator=generator, critic=critic, critic_steps=CRITIC_STEPS,
                                   penalties=fixed_penalties(variant))
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    logs = model.train_on_batch(DATA[: BATCH * CRITIC_STEPS], return_dict=True)
    results = {f"{cls.__name__}/log/{k}": np.float32(v) for k, v in logs.items()}
    for i, w in enumerate(generator.get_weights() + critic.get_weights()):
        results[f"{cls.__name__}/weight/{i}"] = w
    return results


def fixed_losses():
    real = ops.convert_to_tensor(RNG.normal(size=(6, 1)).astype("float32"))
    fake = ops.convert_to_tensor(RNG.normal(size=(6, 1)).astype("float32"))
    results = {}
    for name in kw.losses.objective_names():
        objective = kw.losses.get_objective(name)
        results[f"loss/{name}/d"] = ops.convert_to_numpy(objective.discriminator_loss(real, fake))
        results[f"loss/{name}/g"] = ops.convert_to_numpy(objective.generator_loss(fake))
    generator, critic = networks()
    for i, w in enumerate(generator.get_weights() + critic.get_weights()):
        results[f"init/{i}"] = w
    real = ops.convert_to_tensor(DATA[:BATCH])
    fake = ops.convert_to_tensor(DATA[BATCH:2 * BATCH])
    penalties = {"mlp": FixedPenalty(weight=10.0),
                 "one_sided": FixedPenalty(weight=10.0, one_sided=True, target=0.05),
                 "r1": kw.layers.R1Penalty(3.0), "r2": kw.layers.R2Penalty(3.0)}
    for name, penalty in penalties.items():
        results[f"penalty/{name}"] = ops.convert_to_numpy(penalty(real, fake, critic=critic))
    return results


def save(path, out):
    keras.utils.set_random_seed(0)
    model = kw.WGANGP(*networks(), critic_steps=CRITIC_STEPS, seed=3)
    model.compile()
    model.train_on_batch(DATA[: BATCH * CRITIC_STEPS])
    model.save(path)
    np.savez(out, samples=model.generator.predict(FIXED_NOISE, verbose=0))


def load(path, out):
    model = keras.saving.load_model(path)
    np.savez(out, samples=model.generator.predict(FIXED_NOISE, verbose=0),
             iterations=int(model.generator_optimizer.iterations.numpy()))


def main(argv):
    """Runs the commands given in turn, in this one process (each backend's start-up is paid
    once): ``step OUT.npz``, ``save MODEL.keras OUT.npz``, and ``load`` last, taking the rest."""
    args = argv[1:]
    while args:
        command, args = args[0], args[1:]
        if command == "step":
            results = fixed_losses()
            for variant in kw.models.VARIANTS.values():
                results.update(one_step(variant))
            np.savez(args[0], **results)
            args = args[1:]
        elif command == "save":
            save(args[0], args[1])
            args = args[2:]
        elif command == "load":
            for path, out in zip(args[::2], args[1::2]):
                load(path, out)
            args = []
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
