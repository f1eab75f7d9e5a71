"""Measure the digits network trained with shift augmentation, over several seeds.

Usage: ``python tools/measure_augmented_accuracy.py [epochs] [seeds]`` (default 20 and 3).

Trains ``cnnkit.digits_cnn(seed)`` on the stratified 80/20 split of the shipped digits
(``train_test_split(X, y, test_size=0.2, seed=0)``) with every training image shifted by up
to one pixel, anew every epoch (``cnnkit.fit_augmented``, ``anneal=True``), with the course's
SGD settings, and prints the test accuracy of every seed, their mean, and the seconds each
run took. Notebook 07 quotes the figure for one seed; this script gives the mean.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import cnnkit


def main(epochs: int = 20, seeds: int = 3) -> float:
    X, y = cnnkit.load_digits()
    X_train, X_test, y_train, y_test = cnnkit.train_test_split(X, y, test_size=0.2, seed=0)
    settings = cnnkit.DIGITS_TRAINING
    accuracies = []
    for seed in range(seeds):
        model = cnnkit.digits_cnn(seed=seed)
        optimizer = cnnkit.SGD(model.params(), lr=settings["lr"], momentum=settings["momentum"])
        start = time.perf_counter()
        history = cnnkit.fit_augmented(
            model,
            X_train,
            y_train,
            epochs,
            settings["batch_size"],
            optimizer,
            max_shift=1,
            X_val=X_test,
            y_val=y_test,
            seed=seed,
            anneal=True,
            progress="off",
        )
        accuracies.append(history.val_acc[-1])
        print(
            f"seed {seed}: test accuracy {history.val_acc[-1]:.2%} "
            f"({round(history.val_acc[-1] * len(y_test))} of {len(y_test)}), "
            f"{time.perf_counter() - start:.1f} s",
            flush=True,
        )
    mean = float(np.mean(accuracies))
    print(f"mean over {seeds} seeds, {epochs} epochs with shifts: {mean:.2%}")
    return mean


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
