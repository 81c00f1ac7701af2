"""The application: the ``keras-wgan`` command line (`cli` parses, `commands` acts), `demo`
(``make demo``) and `startup_logs` (a quiet start-up when the package is run as a command).

Nothing here is imported by the library itself, except `startup_logs` by ``keras_wgan``'s own
``__init__`` (it only decides whether the process is a command); the command line's public
entry points stay at ``keras-wgan``, ``python -m keras_wgan`` and ``python -m keras_wgan.demo``.
"""
