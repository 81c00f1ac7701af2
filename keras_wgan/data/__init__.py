"""Input pipelines: `tf.data` datasets of real batches scaled to [-1, 1].

`image_dataset` is the entry point for images ("tfds:<name>", folders, IDX files, arrays);
`toy_dataset` gives the endless 2-D toy distributions.
"""

from keras_wgan.data.arrays import array_dataset, idx_dataset
from keras_wgan.data.file_checks import check_image_files, find_undecodable, naming_bad_files
from keras_wgan.data.folders import folder_dataset
from keras_wgan.data.idx import read_idx
from keras_wgan.data.images import image_dataset
from keras_wgan.data.tfds_source import CELEBA_CROP, CELEBA_SIZE, tfds_dataset
from keras_wgan.data.toy import TOY_DISTRIBUTIONS, mixture_modes, sample, toy_dataset, toy_num_classes
