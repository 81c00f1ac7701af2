"""TensorFlow gradients: `tf.GradientTape`, nested when the loss itself holds a gradient."""

import tensorflow as tf


def value_and_gradients(loss_fn, variables):
    """Evaluate ``loss_fn() -> (loss, aux)`` and return ``(loss, aux, d loss / d variables)``."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    return loss, aux, tape.gradient(loss, variables)


def apply_gradients(optimizer, grads, variables):
    """One ``optimizer`` update of ``variables`` (constraints such as WeightClip included)."""
    optimizer.apply(grads, variables)


def assign_all(variables, values):
    """``variable.assign(value)`` for each pair, also inside a `tf.distribute` replica step.

    A mirrored variable cannot be assigned from one replica; every replica computes the same
    value here (the weights are in sync), so the update goes through the strategy once, as
    Keras's optimizers do theirs.
    """
    variables, values = list(variables), list(values)
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        for variable, value in zip(variables, values):
            variable.assign(value)
        return

    def update(strategy, per_replica_values):
        for variable, value in zip(variables, per_replica_values):
            strategy.extended.update(
                variable.value, lambda var, new: var.assign(new), args=(value,), group=False
            )

    context.merge_call(update, args=(values,))


def input_gradients(fn, inputs):
    """Return ``d sum(fn(inputs)) / d inputs``, differentiable again (for gradient penalties).

    Summing is exact here because each output depends only on its own input example.
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = fn(inputs)
    return tape.gradient(outputs, inputs)


def replica_info():
    """``(replica_id, num_replicas)`` of the current `tf.distribute` replica; ``(0, 1)`` alone."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: the caller is not inside a replica step
        return 0, 1
    replicas = context.num_replicas_in_sync
    if replicas == 1:
        # Outside any strategy the id would be one more constant op in the traced step at
        # every call (17 in a WGAN-GP step), read by nothing.
        return 0, 1
    return context.replica_id_in_sync_group, replicas


def scale_for_replicas(loss):
    """Divide a per-replica mean loss by the replica count.

    Gradients are summed across replicas when applied, so a per-replica mean divided by
    the number of replicas yields the gradient of the mean over the global batch.
    """
    _, replicas = replica_info()
    return loss if replicas == 1 else loss / tf.cast(replicas, loss.dtype)


def reducible_logs(logs):
    """Give each logged scalar a length-1 axis when training across several workers.

    Keras (3.15) merges per-replica logs of a multi-worker strategy with
    ``strategy.reduce(MEAN, value, axis=0)``, which rejects scalars; a ``(1,)`` value
    reduces to the same mean.
    """
    strategy = tf.distribute.get_strategy()
    multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.extended._in_multi_worker_mode()
    )
    if not multi_worker:
        return logs
    return {name: tf.reshape(value, (1,)) for name, value in logs.items()}


def has_accelerator():
    """True when TensorFlow sees a GPU or TPU."""
    return any(
        device.device_type in ("GPU", "TPU") for device in tf.config.list_physical_devices()
    )


def resolve_jit_compile(jit_compile):
    """``"auto"`` means XLA on accelerators and graph mode on CPU.

    On this project's 2-core CPU XLA ran the WGAN-GP step slower than graph mode at every
    size of ``bench/train_step.py``'s table (wall-clock speed, interleaved rounds): 0.87x on
    the toy MLPs, 0.37-0.51x on the 28x28 DCGANs (widths 16-64), 0.22x on the 64x64 DCGAN;
    so it is only turned on where it can pay. GPU speed was not measured (none was lent).
    """
    if jit_compile != "auto":
        return bool(jit_compile)
    return has_accelerator()


class Trainer:
    """TensorFlow runs the model's variable-based steps as they are (Keras traces them)."""

    def train_step(self, data):
        return self.adversarial_train_step(data)

    def test_step(self, data):
        return self.adversarial_test_step(data)
