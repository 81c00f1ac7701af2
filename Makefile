# Two commands on a fresh machine with Python 3.11 and pip:
#   make demo   -- trains WGAN-GP and GAN on a toy mixture, writes figures to out/demo/
#   make test   -- the test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export KERAS_BACKEND ?= tensorflow
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0

.PHONY: venv demo test test-tensorflow test-jax test-jax-slow test-torch test-torch-slow test-slow test-margins bench-backends bench bench-input bench-quality bench-toy-recipe bench-soak presets clean

# pip byte-compiles what it installs on one core; compileall -j 0 uses every core (a fresh venv:
# 106-118 s against 137-165 s on 2 cores). A few of the dependencies' files are not Python 3 and
# fail to compile, as they do under pip (which ignores them): hence `|| true`.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -r requirements.txt
	$(PY) -m compileall -qq -j 0 $(VENV)/lib > /dev/null || true
	$(PY) -m pip install -q --no-deps -e .
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(PY) -m keras_wgan.demo --out out/demo

# The whole suite on TensorFlow, then the backend-agnostic modules again on JAX and on PyTorch.
test: test-tensorflow test-jax test-torch

# Each pass ends by listing its slowest tests (over 15 s): what to mark slow as the suite grows.
SLOWEST = --durations=12 --durations-min=15

test-tensorflow: venv
	KERAS_BACKEND=tensorflow $(PY) -m pytest -m "not slow" -n 2 --dist loadfile -q $(SLOWEST)

# The longest JAX runs of checks that the TensorFlow and PyTorch passes already make (slow_on_jax:
# subprocess runs and per-variant save-load-fit round trips, 17-52 s each under JAX's start-up
# and compiles), and seeds 1-2 of the seed-margin tests (88 CPU-seconds), run in test-jax-slow.
test-jax: venv
	KERAS_BACKEND=jax $(PY) -m pytest -m "all_backends and not slow and not slow_on_jax" \
		-n 2 --dist loadfile -q $(SLOWEST)

test-jax-slow: venv
	KERAS_BACKEND=jax $(PY) -m pytest -m "all_backends and slow_on_jax and not slow" -n 2 --dist loadfile -q

# One OpenMP thread per worker: two workers with torch's default two threads each on two
# cores made a DCGAN step 10x slower (OpenMP threads spin while waiting for a descheduled one).
# The seed-statistics tests (slow_on_torch: thousands of eager steps) run in test-torch-slow.
test-torch: venv
	KERAS_BACKEND=torch OMP_NUM_THREADS=1 $(PY) -m pytest \
		-m "all_backends and not slow and not slow_on_torch" -n 2 --dist loadfile -q $(SLOWEST)

test-torch-slow: venv
	KERAS_BACKEND=torch OMP_NUM_THREADS=1 $(PY) -m pytest -m "all_backends and slow_on_torch" -q

test-slow: venv
	$(PY) -m pytest -m slow -q

# The behavioural tests' statistics over seeds 0-9 x {TF, JAX, TF oneDNN off, TF oneDNN AVX2}
# (about 30 minutes on 2 busy cores): the margins their bounds' comments quote.
test-margins: venv
	$(PY) tests/scripts/seed_margins.py

bench-backends: venv
	$(PY) bench/backends.py

bench: venv
	$(PY) bench/train_step.py

bench-input: venv
	$(PY) bench/input_pipeline.py

.PHONY: bench-mixed-precision
bench-mixed-precision: venv
	$(PY) bench/mixed_precision.py

# Three seeds side by side (one thread each): the toys at 1,000 generator steps, MNIST at 150 and
# at 600; then their mean and spread plus the presets' rows (~60 min on 2 cores), with the
# per-seed runs copied beside it: bench/results/quality.json is what README's quality table
# shows (tests/test_readme_tables.py).
QUALITY_SEEDS = 0 1 2
QUALITY_RUNS = toys:--datasets=grid25,ring8 mnist150:--datasets=mnist:--mnist-steps=150 \
	mnist600:--datasets=mnist:--mnist-steps=600
QUALITY_FILES = $(foreach r,$(QUALITY_RUNS),$(foreach s,$(QUALITY_SEEDS),\
	out/quality/$(firstword $(subst :, ,$(r)))-seed$(s).json))
bench-quality: venv
	mkdir -p out/quality bench/results/quality
	for run in $(QUALITY_RUNS); do name=$${run%%:*}; flags=$$(echo $${run#*:} | tr ':' ' '); \
		for s in $(QUALITY_SEEDS); do OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 \
		TF_NUM_INTEROP_THREADS=1 $(PY) bench/quality.py --no-recipe $$flags --seed $$s \
		--json out/quality/$$name-seed$$s.json > out/quality/$$name-seed$$s.log 2>&1 & done; \
		wait; done
	cp $(QUALITY_FILES) bench/results/quality/
	$(PY) bench/quality.py --combine $(QUALITY_FILES) \
		--markdown out/quality/table.md --json bench/results/quality.json

# The grid25 recipe with one setting put back per variant, seed 0, 24,000 generator steps each
# (~10 minutes per variant on one thread, ~50 in all on 2 cores).
bench-toy-recipe: venv
	$(PY) bench/toy_recipe.py

bench-soak: venv
	$(PY) bench/soak.py

# A command-line-style run's wall time per epoch against the sum of its step times, and
# where the rest goes (target: >= 95% in steps after the first epoch).
.PHONY: bench-overhead
bench-overhead: venv
	$(PY) bench/epoch_overhead.py

# Retrains every bundled preset from the recipe.json beside it (ONLY=wgan_gp/mnist for one).
presets: venv
	$(PY) -m keras_wgan.presets.build $(if $(ONLY),--only $(ONLY),--all)

clean:
	rm -rf $(VENV) out .pytest_cache
