"""Training machinery on top of the models: one importable run, its callbacks and crash-safe resume.

- `fit`: `build_model` (players that fit the data), `compile_model`, `train` (fit with the
  per-epoch outputs, step and time budgets, signals) and `run` (data source -> trained model),
  shared by the command line, the demo and the examples.
- `callbacks`: sample grids, TensorBoard images, loss curves, the model file, the stop at a
  step boundary (``kw.callbacks``).
- `resume`: `ResumableCheckpoint` and `NonFiniteGuard` (``kw.resume``).

``from keras_wgan import training; training.run(...)`` is the public entry point, as before the
package split.
"""

from keras_wgan.training.fit import (  # noqa: F401 -- the public names of keras_wgan.training
    TrainingLogs,
    build_model,
    compile_model,
    completed_epochs,
    completed_steps,
    finished,
    run,
    toy_source,
    train,
    training_callbacks,
    without_grappler_remapping,
)

# Public alias: the examples' flags live with the command line's (`keras_wgan.app.cli`).
from keras_wgan.app.cli import add_run_arguments  # noqa: E402,F401
