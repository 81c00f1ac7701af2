"""`tf.data` inputs to `fit`, without the autotuning thread that stalls their shutdown.

Why. A `tf.data` iterator with autotuning on (TensorFlow's default) runs a model thread
that re-tunes the pipeline on a doubling period: 10 ms, 20 ms, ... up to 60 s after the
first element (wake-ups at 5.11 s, 10.23 s, 20.47 s, 40.95 s, 81.91 s, then every 60 s).
Destroying the iterator cancels it and joins that thread, and the join races (TensorFlow
2.21): `CancellationManager::StartCancel` runs the thread's wake-up callback *before* it
marks itself cancelled, so a thread that wakes at once sees "not cancelled" and sleeps out
the rest of its period (``Model::OptimizeLoop``). The main thread then waits in
``RootDataset::Iterator::~Iterator`` until that next wake-up. Keras destroys `fit`'s
iterator when `fit` returns, and, when an epoch is one pass over the data, at every new
epoch; so in some processes `fit` returned only at 2.55 s, 5.11 s or 10.23 s from its start
whatever the number of steps, and epochs stalled up to a minute before their first batch
(py-spy dumps taken in the stall show the main thread in that destructor). A hand-written
Keras model fed the same dataset stalls the same way: the race is TensorFlow's.

With ``options.autotune.enabled = False`` there is no model thread, nothing to join, and
the pipeline runs as before: a parallel ``map(num_parallel_calls=AUTOTUNE)`` uses as many
threads as cores (what autotuning converges to under a slow consumer; measured equal on a
sleeping map), and ``prefetch(AUTOTUNE)`` keeps its own buffer tuner, which needs no model.
A pipeline whose options already say ``autotune.enabled`` either way keeps its choice.
"""


def without_autotune_thread(data):
    """Return ``data`` with `tf.data` autotuning off, when it is a `tf.data.Dataset` whose
    options leave autotuning unset (anything else, and a dataset that sets it, unchanged).

    The original dataset is not modified: `with_options` returns a new one.
    """
    if not hasattr(data, "element_spec"):  # not tf.data: no TensorFlow import for NumPy
        return data
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset) or data.options().autotune.enabled is not None:
        return data
    options = tf.data.Options()
    options.autotune.enabled = False
    return data.with_options(options)
