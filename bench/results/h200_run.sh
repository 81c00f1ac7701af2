#!/bin/bash
# What ran on the lent GPU machine (the device tool's run, with .whl = keras 3.15.1, namex, optree
# wheels and .devdata = the MNIST files and the recipe copies, steps 60000, budget_seconds 300),
# as BENCH=1 BENCH_TIMEOUT=120 BUILD_TIMEOUT=440 bash h200_run.sh; kept as the record of that run.
# One device call: train the GPU recipes side by side, measure, pack; then a short speed table.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false \
       KERAS_WGAN_MNIST=$PWD/.devdata/mnist PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
nvidia-smi -L; python3 -c "import jax, keras; print(jax.devices(), keras.__version__)"
mkdir -p /tmp/logs
start=$(date +%s)
for r in ${RECIPES:-.devdata/recipes/*.json}; do
  n=$(basename $r .json)
  timeout ${BUILD_TIMEOUT:-450} python3 -m keras_wgan.presets.build --recipe $r --out /tmp/zoo $STEPS > /tmp/logs/$n.log 2>&1 &
done
wait
echo "builds done after $(( $(date +%s) - start )) s"
for f in /tmp/logs/*.log; do echo "== $f"; tail -n 4 $f | cut -c1-600; done
cp -r /tmp/logs /tmp/zoo/ 2>/dev/null; tar czf $OUT/zoo.tgz -C /tmp zoo; ls -la $OUT
if [ -n "$BENCH" ]; then
  timeout ${BENCH_TIMEOUT:-130} python3 bench/backends.py --device cuda --peak-tflops 67 --steps 20 --repeats 1 \
    --workloads dcgan28 dcgan64-w64 --variants "JAX (jit)" "torch (eager)" "PyTorch ref eager" 2>&1 | tee $OUT/bench.txt | tail -30
fi
