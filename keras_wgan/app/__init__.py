"""The application: the ``keras-wgan`` command line (`cli` parses, `commands` acts), `demo`
(``make demo``), `startup_logs` (a quiet start-up when the package is run as a command) and
`backend_choice` (a backend that cannot run, told in one line before Keras is imported).

Nothing here is imported by the library itself, except `startup_logs` and `backend_choice` by
``keras_wgan``'s own ``__init__`` (commands only) and ``SUPPORTED_BACKENDS`` by
`keras_wgan.backend`; the command line's public
entry points stay at ``keras-wgan``, ``python -m keras_wgan`` and ``python -m keras_wgan.demo``.
"""
