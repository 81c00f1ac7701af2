"""Public alias: ``keras_wgan.cli`` (the ``keras-wgan`` script of installs made before the
package split points at ``keras_wgan.cli:main``) is `keras_wgan.app.cli`, where the code lives."""

from keras_wgan.app.cli import *  # noqa: F401,F403
