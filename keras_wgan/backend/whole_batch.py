"""The replica primitives of a backend whose step always sees the whole global batch.

On JAX, data parallelism (`keras.distribution.DataParallel`) shards one global batch across
devices inside a single compiled step; on torch keras_wgan runs one process per step. Either
way the step's means are already over the global batch, so there is no per-replica
bookkeeping: these are the identities TensorFlow's `tf.distribute` versions reduce to.
"""


def replica_info():
    """``(replica id, number of replicas)`` as the step sees them: ``(0, 1)``."""
    return 0, 1


def scale_for_replicas(loss):
    """The loss unchanged: the step's mean is already over the global batch."""
    return loss


def reducible_logs(logs):
    """The logs unchanged (only TensorFlow's multi-worker strategy needs reshaped logs)."""
    return logs
