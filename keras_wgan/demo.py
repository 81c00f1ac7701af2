"""Public alias: ``python -m keras_wgan.demo`` (``make demo``) runs `keras_wgan.app.demo`, where
the code lives."""

import sys

from keras_wgan.app.demo import *  # noqa: F401,F403
from keras_wgan.app.demo import main

if __name__ == "__main__":
    sys.exit(main())
