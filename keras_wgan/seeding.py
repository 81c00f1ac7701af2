"""Save a layer's `keras.random.SeedGenerator` state with its weights.

Keras saves a layer's variables but not its seed generators' state, so a reloaded model
would draw its noise (or its interpolation weights) from the start of the stream again.
Training that resumes from a checkpoint must continue the stream where it stopped.
"""

SEED_STATE_KEY = "seed_state"


class SavesSeedState:
    """Mixin for a layer with a ``seed_generator`` attribute: its state travels in ``.keras``
    files and weight files beside the layer's own variables (older files without it load)."""

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        keys = [key for key in store.keys() if key != SEED_STATE_KEY]
        own = self._trainable_variables + self._non_trainable_variables
        if len(keys) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables but the file has "
                f"{len(keys)}: it was saved from a different architecture."
            )
        for i, variable in enumerate(own):
            variable.assign(store[f"{i}"])
        if SEED_STATE_KEY in store.keys():
            self.seed_generator.state.assign(store[SEED_STATE_KEY])
