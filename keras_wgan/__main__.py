"""`python -m keras_wgan ...` is the `keras-wgan` command line."""

import sys

from keras_wgan.app.cli import main

sys.exit(main())
