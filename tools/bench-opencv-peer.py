#!/usr/bin/env python3
"""OpenCV's blobFromImage (+ the division by std it lacks) on the frames `rtmm bench preprocess --dump DIR`
wrote, timed the way rtmm times its own paths (warm-up, then median of runs), with the max abs difference
to the C# reference output. For machines where OpenCvSharp's native library cannot load (the GPU machine
has no GTK), so the peer is still OpenCV's own C++ blobFromImage on that machine's CPU.

  python3 tools/bench-opencv-peer.py DIR [--runs 300] [--seconds 2]   -> one JSON line
"""
import argparse
import glob
import json
import os
import re
import time

import cv2
import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--runs", type=int, default=300)
    p.add_argument("--seconds", type=float, default=2.0)
    a = p.parse_args()
    spec = json.load(open(os.path.join(a.dir, "spec.json")))
    mean = tuple(m * 255 for m in spec["mean"])
    inv = (1 / np.array(spec["std"], dtype=np.float32)).reshape(3, 1, 1)
    size = (spec["width"], spec["height"])
    sizes = []
    all_threads = cv2.getNumThreads()
    for frame_file in sorted(glob.glob(os.path.join(a.dir, "frame-*.bgr"))):
        w, h = map(int, re.search(r"frame-(\d+)x(\d+)", frame_file).groups())
        frame = np.fromfile(frame_file, dtype=np.uint8).reshape(h, w, 3)
        reference = np.fromfile(os.path.join(a.dir, f"reference-{w}x{h}.f32"), dtype=np.float32).reshape(3, size[1], size[0])

        def run():
            blob = cv2.dnn.blobFromImage(frame, 1 / 255.0, size, mean, swapRB=True, crop=False)
            return blob[0] * inv

        result = {"input": f"{w}x{h}"}
        for threads, key in ((all_threads, "median_ms"), (1, "median_ms_1_thread")):
            cv2.setNumThreads(threads)
            for _ in range(5):
                out = run()
            times, start = [], time.perf_counter()
            while len(times) < a.runs and time.perf_counter() - start < a.seconds:
                t = time.perf_counter()
                run()
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            result[key] = round(times[len(times) // 2], 4)
            if threads == all_threads:
                result.update(runs=len(times), p10_ms=round(times[len(times) // 10], 4), p90_ms=round(times[len(times) * 9 // 10], 4))
        result["max_abs_diff"] = float(np.abs(out - reference).max())
        sizes.append(result)
    cv2.setNumThreads(all_threads)
    print(json.dumps({"peer": f"OpenCV {cv2.__version__} cv2.dnn.blobFromImage + std (Python)", "threads": cv2.getNumThreads(),
                      "cpus": os.cpu_count(), "sizes": sizes}))


if __name__ == "__main__":
    main()
