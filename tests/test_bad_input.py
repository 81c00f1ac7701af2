"""The bad-input table: every mistake the library can meet, its one-line error, and nothing lost.

Each case prepares its files under ``tmp_path`` and returns the call that must fail. The
shared test snapshots every file (names and bytes) just before the call and checks that
the failure left them exactly as they were: nothing already saved is lost or half-written.
README.md lists this table.
"""

import hashlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_wgan as kw
from keras_wgan.training.resume import ResumableCheckpoint
from tests.conftest import tiny_image_pair, tiny_toy_pair


def compiled(cls=kw.NSGAN, **kwargs):
    generator, critic = tiny_image_pair()
    gan = cls(generator=generator, discriminator=critic, latent_dim=8, **kwargs)
    gan.compile()
    return gan


def fit_images(images, cls=kw.NSGAN, batch_size=4):
    gan = compiled(cls)
    return lambda: gan.fit(images, batch_size=batch_size, epochs=1, verbose=0)


def case_uint8_images(tmp_path):
    return fit_images(np.zeros((8, 28, 28, 1), "uint8"))


def case_wrong_image_size(tmp_path):
    return fit_images(np.zeros((8, 32, 32, 1), "float32"))


def case_wrong_channels(tmp_path):
    return fit_images(np.zeros((8, 28, 28, 3), "float32"))


def case_generator_critic_mismatch(tmp_path):
    generator, _ = tiny_image_pair(image_shape=(28, 28, 1))
    _, critic = tiny_image_pair(image_shape=(32, 32, 3))
    return lambda: kw.WGANGP(generator=generator, critic=critic, latent_dim=8)


def case_critic_with_many_outputs(tmp_path):
    generator, _ = tiny_toy_pair()
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(10)])
    return lambda: kw.WGAN(generator=generator, critic=critic)


def case_latent_dim_mismatch(tmp_path):
    generator, critic = tiny_toy_pair(latent_dim=2)
    return lambda: kw.GAN(generator=generator, discriminator=critic, latent_dim=5)


def case_batch_norm_in_gp_critic(tmp_path):
    generator, critic = tiny_image_pair(norm="batch")
    return lambda: kw.WGANGP(generator=generator, critic=critic, latent_dim=8)


def case_unknown_objective(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.AdversarialModel(generator=generator, discriminator=critic,
                                       objective="wassertein")


def case_generator_is_not_a_model(tmp_path):
    _, critic = tiny_toy_pair()
    return lambda: kw.GAN(generator=lambda z: z, discriminator=critic, latent_dim=2)


def case_critic_given_twice(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.WGAN(generator=generator, discriminator=critic, critic=critic)


def case_one_optimizer_for_both_players(tmp_path):
    gan = kw.GAN(*tiny_toy_pair())
    adam = keras.optimizers.Adam()
    return lambda: gan.compile(adam, adam)


def case_nan_in_data(tmp_path):
    images = np.zeros((16, 28, 28), "float32")
    images[3, 4, 5] = np.nan
    return lambda: kw.data.image_dataset(images, 4)


def case_empty_dataset(tmp_path):
    empty = tf.data.Dataset.from_tensors(np.zeros((4, 28, 28, 1), "float32")).take(0)
    gan = compiled()
    return lambda: gan.fit(empty, epochs=1, verbose=0)


def case_batch_not_divisible_by_critic_steps(tmp_path):
    return fit_images(np.zeros((12, 28, 28, 1), "float32"), cls=kw.WGANGP, batch_size=12)


def case_missing_image_folder(tmp_path):
    return lambda: kw.data.image_dataset(str(tmp_path / "no_such_folder"), 4)


def case_file_that_is_not_an_image(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(4):
        Image.fromarray(np.zeros((64, 64, 3), "uint8")).save(folder / f"{i}.png")
    (folder / "notes.png").write_text("not an image")
    return lambda: kw.data.image_dataset(str(folder), 2)


def case_corrupted_keras_file(tmp_path):
    generator, critic = tiny_toy_pair()
    path = tmp_path / "gan.keras"
    kw.GAN(generator=generator, discriminator=critic).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a download cut in half
    return lambda: kw.hub.load(str(path))


def case_checkpoint_from_another_architecture(tmp_path):
    def make(width):
        gan = kw.WGANGP(generator=kw.architectures.mlp_generator(2, 2, width, 2),
                        critic=kw.architectures.mlp_critic(2, width, 2), latent_dim=2)
        gan.compile()
        return gan

    points = kw.data.sample("ring8", 40, seed=0)
    make(8).fit(points, batch_size=40, verbose=0,
                callbacks=[ResumableCheckpoint(tmp_path / "ckpt")])
    other = make(16)
    return lambda: other.fit(points, batch_size=40, verbose=0,
                             callbacks=[ResumableCheckpoint(tmp_path / "ckpt")])


def case_unknown_handle(tmp_path):
    return lambda: kw.hub.load("wgan_gp/mnsit")


def case_unwritable_output_folder(tmp_path):
    from keras_wgan import training

    (tmp_path / "a_file").write_text("a file, not a folder")
    gan = kw.NSGAN(*tiny_toy_pair())
    gan.compile()
    data = kw.data.toy_dataset("ring8", 8, seed=0)
    return lambda: training.train(gan, data, str(tmp_path / "a_file" / "run"), epochs=1,
                                  steps_per_epoch=1, verbose=0)


def case_checkpoint_folder_that_is_a_file(tmp_path):
    # Was found only after the first epoch had trained, as "File exists".
    from keras_wgan import training

    (tmp_path / "a_file").write_text("a file, not a folder")
    gan = kw.NSGAN(*tiny_toy_pair())
    gan.compile()
    data = kw.data.toy_dataset("ring8", 8, seed=0)
    return lambda: training.train(gan, data, str(tmp_path / "run"), epochs=1, steps_per_epoch=1,
                                  verbose=0, checkpoint_dir=str(tmp_path / "a_file"))


def case_image_written_over_a_folder(tmp_path):
    from keras_wgan import plotting

    (tmp_path / "grid.png").mkdir()
    return lambda: plotting.save_image_grid(np.zeros((4, 8, 8, 1), "float32"),
                                               tmp_path / "grid.png")


def case_image_written_under_a_file(tmp_path):
    from keras_wgan import plotting

    (tmp_path / "a_file").write_text("a file, not a folder")
    return lambda: plotting.save_image_grid(np.zeros((4, 8, 8, 1), "float32"),
                                               tmp_path / "a_file" / "grid.png")


def case_string_seed(tmp_path):
    # NumPy's "SeedSequence expects int or sequence of ints for entropy not a" named no argument.
    gan = kw.NSGAN(*tiny_toy_pair())
    return lambda: gan.generate(4, seed="a")


def case_negative_seed(tmp_path):
    gan = kw.NSGAN(*tiny_toy_pair())
    return lambda: gan.generate(4, seed=-1)


def case_handle_that_is_not_a_string(tmp_path):
    return lambda: kw.hub.load(5)


def case_gan_saved_as_hdf5(tmp_path):
    # "'OptimizerPair' object has no attribute 'get_config'", after writing part of the file.
    gan = kw.WGANGP(*tiny_toy_pair())
    gan.compile()
    return lambda: gan.save(tmp_path / "gan.h5")


def case_gan_saved_onto_a_fifo(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.keras")  # Keras's save blocked forever opening it
    gan = kw.NSGAN(*tiny_toy_pair())
    gan.compile()
    return lambda: gan.save(tmp_path / "pipe.keras")


def case_disk_full_on_checkpoint_write(tmp_path):
    gan = kw.WGANGP(*tiny_toy_pair())
    gan.compile()
    checkpoint = ResumableCheckpoint(tmp_path / "ckpt")
    points = kw.data.sample("ring8", 40, seed=0)
    gan.fit(points, batch_size=40, epochs=1, verbose=0, callbacks=[checkpoint])

    def disk_full(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a file")
        raise OSError(28, "No space left on device")

    gan.save_weights = disk_full
    return lambda: gan.fit(points, batch_size=40, epochs=2, verbose=0, callbacks=[checkpoint])


def case_critic_steps_zero(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.WGANGP(generator=generator, critic=critic, critic_steps=0)


def case_latent_dim_zero(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.GAN(generator=generator, discriminator=critic, latent_dim=0)


def case_infinite_clip_value(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.WGAN(generator=generator, critic=critic, clip_value=float("inf"))


def case_float_images_in_0_255(tmp_path):
    images = np.random.default_rng(0).uniform(0, 255, (8, 28, 28, 1))  # float64, unscaled
    return fit_images(images)


def case_negative_number_of_samples(tmp_path):
    return lambda: compiled().generate(-1)


def case_zero_steps_per_epoch(tmp_path):
    from keras_wgan import training

    return lambda: training.run(model="gan", data="toy:ring8", out=str(tmp_path / "run"),
                                steps_per_epoch=0, width=8, verbose=0)


def case_zero_critic_steps_in_run(tmp_path):
    from keras_wgan import training

    return lambda: training.run(data="toy:ring8", out=str(tmp_path / "run"), critic_steps=0,
                                steps_per_epoch=1, width=8, verbose=0)


def case_huge_image_in_folder(tmp_path):
    from tests.test_data_folders import png_declaring

    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(np.zeros((8, 8), "uint8")).save(folder / f"{i}.png")
    png_declaring(folder / "bomb.png", 20000, 20000)
    return lambda: kw.data.image_dataset(str(folder), 2)


def case_nan_penalty_weight(tmp_path):
    return lambda: kw.GradientPenalty(weight=float("nan"))  # every critic loss became NaN


def case_negative_penalty_target(tmp_path):
    return lambda: kw.GradientPenalty(target=-1.0)


def case_clip_value_given_as_text(tmp_path):
    return lambda: kw.WeightClip("0.01")  # accepted, and failed inside the first step


def case_critic_steps_set_to_zero_later(tmp_path):
    gan = compiled(kw.WGANGP)

    def call():
        gan.critic_steps = 0  # ZeroDivisionError in fit before

    return call


def case_list_of_images_given_to_fit(tmp_path):
    # Keras reads a list as one array per input: AttributeError "'tuple' object has no
    # attribute 'dtype'" before.
    return fit_images(list(np.zeros((8, 28, 28, 1), "float32")))


def case_zero_batch_size(tmp_path):
    return fit_images(np.zeros((8, 28, 28, 1), "float32"), batch_size=0)  # trained on, before


def case_unknown_jit_compile_setting(tmp_path):
    generator, critic = tiny_image_pair()
    gan = kw.NSGAN(generator=generator, discriminator=critic, latent_dim=8)
    return lambda: gan.compile(jit_compile="yes")  # read as True, silently, before


def case_invalid_clip_pattern(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.WGAN(generator=generator, critic=critic, clip_pattern="[kernel")


def case_negative_number_of_toy_points(tmp_path):
    return lambda: kw.data.sample("ring8", -5)  # NumPy's "negative dimensions are not allowed"


def case_non_finite_features_for_fid(tmp_path):
    nan = np.full((10, 4), np.nan)
    return lambda: kw.evaluation.fid(nan, np.ones((10, 4)))  # "Internal error in sqrtm: -102"


def case_network_of_width_zero(tmp_path):
    return lambda: kw.architectures.dcgan_generator(8, width=0)  # Keras's "units=0" before


def case_sample_weight_given_to_fit(tmp_path):
    gan = compiled()
    images = np.zeros((8, 28, 28, 1), "float32")
    return lambda: gan.fit(images, batch_size=4, sample_weight=np.ones(8), verbose=0)  # ignored


def case_class_weight_given_to_fit(tmp_path):
    gan = compiled()
    images = np.zeros((8, 28, 28, 1), "float32")
    return lambda: gan.fit(images, batch_size=4, class_weight={0: 1.0}, verbose=0)  # IndexError


def case_callbacks_that_are_not_a_list(tmp_path):
    gan = compiled()
    images = np.zeros((8, 28, 28, 1), "float32")
    return lambda: gan.fit(images, batch_size=4, callbacks="tensorboard", verbose=0)


def case_extra_callback_that_is_not_a_callback(tmp_path):
    from keras_wgan import training

    gan = compiled()
    images = kw.data.array_dataset(np.zeros((8, 28, 28, 1), "float32"), 4)
    # The message listed the run's own callbacks (a 400-character repr) before.
    return lambda: training.train(gan, images, tmp_path / "run", epochs=1, verbose=0,
                                  extra_callbacks=[print])


def case_exact_w1_of_too_many_points(tmp_path):
    # NumPy's MemoryError for the cost matrix before: 3e6 points need 65,000 GiB, more than any
    # machine this runs on has.
    points = np.zeros((3_000_000, 2))
    return lambda: kw.evaluation.exact_w1(points, points)


def case_sliced_wasserstein_of_no_points(tmp_path):
    return lambda: kw.evaluation.sliced_wasserstein(np.zeros((0, 2)), np.ones((10, 2)))


def case_kid_over_zero_subsets(tmp_path):
    return lambda: kw.evaluation.kid(np.zeros((50, 4)), np.ones((50, 4)), n_subsets=0)  # NaN


def case_digits_of_non_finite_images(tmp_path):
    nan = np.full((10, 28, 28, 1), np.nan)
    return lambda: kw.evaluation.digit_coverage(nan)  # every image was a 0, silently


def case_preset_saved_under_a_device(tmp_path):
    generator, _ = tiny_toy_pair()
    return lambda: kw.hub.save_preset(generator, "/dev/null/preset")  # "[Errno 17] File exists"


def case_config_without_its_networks(tmp_path):
    return lambda: kw.WGANGP.from_config({"critic_steps": 5})  # KeyError: 'generator' before


def case_negative_model_seed(tmp_path):
    generator, critic = tiny_toy_pair()
    return lambda: kw.WGANGP(generator=generator, critic=critic, seed=-1)  # accepted before


# (case, exception type, message pattern). The messages name the problem and the fix.
TABLE = [
    (case_uint8_images, TypeError, r"floating point scaled to \[-1, 1\], got uint8: use .*image_dataset"),
    (case_wrong_image_size, ValueError, r"Real samples have shape \(32, 32, 1\) but the generator makes samples of shape \(28, 28, 1\): resize"),
    (case_wrong_channels, ValueError, r"Real samples have shape \(28, 28, 3\) .*channels="),
    (case_generator_critic_mismatch, ValueError, r"generator makes samples of shape \(28, 28, 1\) but the discriminator expects \(32, 32, 3\): build both"),
    (case_critic_with_many_outputs, ValueError, r"one score per example, shape \(batch, 1\), but outputs \(batch, 10\): end it with Dense\(1\)"),
    (case_latent_dim_mismatch, ValueError, r"latent_dim=5 does not match the generator's input shape \(batch, 2\): pass latent_dim=2"),
    (case_batch_norm_in_gp_critic, ValueError, r"BatchNormalization layer .* use LayerNormalization or no normalization"),
    (case_unknown_objective, ValueError, r"Unknown objective 'wassertein'; use one of .*register_objective"),
    (case_generator_is_not_a_model, TypeError, r"generator must be a keras.Model .*got function"),
    (case_critic_given_twice, ValueError, r"Pass the critic as discriminator= or critic=, not both"),
    (case_one_optimizer_for_both_players, ValueError, r"two optimizer instances .*pass two separate objects"),
    (case_nan_in_data, ValueError, r"NaN or Inf .*check_finite=False"),
    (case_empty_dataset, ValueError, r"yielded no batch: the dataset is empty, or smaller than one batch"),
    (case_batch_not_divisible_by_critic_steps, ValueError, r"12 real examples cannot be split into critic_steps=5 equal parts: batch the data with a multiple of 5"),
    (case_missing_image_folder, FileNotFoundError, r"no_such_folder"),
    (case_file_that_is_not_an_image, ValueError, r"notes\.png"),
    (case_corrupted_keras_file, kw.hub.PresetFormatError, r"gan\.keras is not a valid \.keras file .*save or download it again"),
    (case_checkpoint_from_another_architecture, ValueError, r"ckpt holds the checkpoint of a WGANGP with networks of other sizes \(generator's hidden0/kernel is \(2, 8\) there, \(2, 16\) here\): .*or start in a new checkpoint folder"),
    (case_unknown_handle, kw.hub.UnknownPresetError, r"unknown preset 'wgan_gp/mnsit'"),
    (case_unwritable_output_folder, OSError, r"Cannot write to the output folder .*choose a writable --out folder"),
    (case_checkpoint_folder_that_is_a_file, OSError, r"Cannot write to the checkpoint folder .*a_file \(File exists\): choose a writable --checkpoint-dir folder"),
    (case_image_written_over_a_folder, OSError, r"Could not write image .*grid\.png: it is a folder, not a regular file\. Nothing was written: choose the path of a file"),
    (case_image_written_under_a_file, OSError, r"Could not write image .*grid\.png: .*a_file is a file, not a folder\. Nothing was written: choose another output folder"),
    (case_string_seed, TypeError, r"seed must be None or an integer >= 0 \(or a NumPy Generator\), got 'a' \(str\)"),
    (case_negative_seed, ValueError, r"seed must be None or an integer >= 0 .*got -1 \(int\)"),
    (case_handle_that_is_not_a_string, TypeError, r"handle must be a preset name such as 'wgan_gp/mnist', a path or a URL, got 5 \(int\)"),
    (case_gan_saved_as_hdf5, ValueError, r"gan\.h5: a GAN is saved in the native Keras format, .*Save to a \.keras path, or save the generator alone"),
    (case_gan_saved_onto_a_fifo, ValueError, r"pipe\.keras is a fifo, not a regular file: save to the path of a \.keras file"),
    (case_critic_steps_zero, ValueError, r"critic_steps must be an integer >= 1, got 0"),
    (case_latent_dim_zero, ValueError, r"latent_dim must be an integer >= 1, got 0"),
    (case_infinite_clip_value, ValueError, r"clip_value must be a finite number > 0, got inf"),
    (case_float_images_in_0_255, ValueError, r"span \[0\.\d+, 254\.\d+\], outside \[-1, 1\].*x / 127\.5 - 1.*check_range=False"),
    (case_negative_number_of_samples, ValueError, r"n must be an integer >= 0, got -1"),
    (case_zero_steps_per_epoch, ValueError, r"steps_per_epoch must be an integer >= 1, got 0"),
    (case_zero_critic_steps_in_run, ValueError, r"critic_steps must be an integer >= 1, got 0"),
    (case_huge_image_in_folder, ValueError, r"bomb\.png is 400,000,000 pixels, over the .*-pixel limit"),
    (case_disk_full_on_checkpoint_write, OSError, r"No space left on device\. The previous checkpoint \(epoch 1\) is intact"),
    (case_nan_penalty_weight, ValueError, r"^GradientPenalty weight must be a finite number >= 0, got nan\.$"),
    (case_negative_penalty_target, ValueError, r"^GradientPenalty target \(a gradient norm\) must be a finite number >= 0, got -1\.0\.$"),
    (case_clip_value_given_as_text, TypeError, r"^WeightClip clip_value must be a finite number > 0, got '0\.01' \(str\)\.$"),
    (case_critic_steps_set_to_zero_later, ValueError, r"^critic_steps must be an integer >= 1, got 0\.$"),
    (case_list_of_images_given_to_fit, ValueError, r"^fit takes the real samples as one array, tensor or dataset, got a list of 8 items: stack them into one array \(np\.stack\(x\)\)"),
    (case_zero_batch_size, ValueError, r"^batch_size must be an integer >= 1, got 0\.$"),
    (case_unknown_jit_compile_setting, ValueError, r"^jit_compile must be True \(XLA\), False \(graph mode\) or \"auto\", got 'yes'\.$"),
    (case_invalid_clip_pattern, ValueError, r"^clip_pattern='\[kernel' is not a regular expression \(unterminated character set at position 0\): fix the pattern"),
    (case_negative_number_of_toy_points, ValueError, r"^n \(the number of points\) must be an integer >= 0, got -5\.$"),
    (case_non_finite_features_for_fid, ValueError, r"^The feature statistics hold NaN or Inf: .*check them with np\.isfinite\.$"),
    (case_network_of_width_zero, ValueError, r"^width must be an integer >= 1, got 0\.$"),
    (case_sample_weight_given_to_fit, ValueError, r"^fit\(sample_weight=\.\.\.\) has no effect on a GAN: .*drop sample_weight"),
    (case_class_weight_given_to_fit, ValueError, r"^fit\(class_weight=\.\.\.\) has no effect on a GAN: .*drop class_weight"),
    (case_callbacks_that_are_not_a_list, TypeError, r"^callbacks must be a list of keras\.callbacks\.Callback objects, got 'tensorboard'\.$"),
    (case_extra_callback_that_is_not_a_callback, TypeError, r"^callbacks must be keras\.callbacks\.Callback objects, got <built-in function print> \(builtin_function_or_method\) among them\.$"),
    (case_exact_w1_of_too_many_points, ValueError, r"^exact W1 of 3,000,000 x 3,000,000 points \(its cost matrix\): [\d,.]+ GiB, more than this machine's .*use sliced_wasserstein for large sets\.$"),
    (case_sliced_wasserstein_of_no_points, ValueError, r"^A Wasserstein distance needs at least one point per set, got shape \(0, 2\)\.$"),
    (case_kid_over_zero_subsets, ValueError, r"^n_subsets must be an integer >= 1, got 0\.$"),
    (case_digits_of_non_finite_images, ValueError, r"^The images hold NaN or Inf \(a diverged generator\?\): .*np\.isfinite\.$"),
    (case_config_without_its_networks, ValueError, r"^This WGANGP config has no generator or discriminator: it was not written by get_config .*save the model again\.$"),
    (case_negative_model_seed, ValueError, r"^seed must be an integer from 0 to 4294967295, got -1\.$"),
    (case_preset_saved_under_a_device, OSError, r"^Cannot write to the folder of the preset /dev/null \(File exists\): choose a writable directory= folder\.$"),
]


def snapshot(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("case,error,pattern", TABLE, ids=[c.__name__[5:] for c, _, _ in TABLE])
def test_bad_input(case, error, pattern, tmp_path):
    call = case(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(error, match=pattern) as raised:
        call()
    message = str(raised.value)
    assert "\n" not in message.strip(), message  # one line
    assert snapshot(tmp_path) == before  # nothing saved was lost or half-written


def test_callbacks_come_as_a_list_tuple_or_callback_list():
    gan = compiled()
    images = np.zeros((8, 28, 28, 1), "float32")
    for callbacks in ([keras.callbacks.History()], (keras.callbacks.History(),),
                      keras.callbacks.CallbackList([keras.callbacks.History()])):
        gan.fit(images, batch_size=4, callbacks=callbacks, verbose=0)
    assert int(gan.generator_optimizer.iterations.numpy()) == 6


def test_labelled_batches_are_accepted_not_refused():
    gan = kw.NSGAN(*tiny_toy_pair())
    gan.compile()
    points = kw.data.sample("ring8", 64, seed=0)
    history = gan.fit(points, np.zeros(64), batch_size=32, epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0])
