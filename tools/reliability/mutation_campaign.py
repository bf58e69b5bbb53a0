#!/usr/bin/env python3
"""Mutation campaign over every file kind vtv reads (issue #25; docs/reliability.md).

Makes one valid file of each kind with the release `vtv` binary on the tiny model, then for each
kind applies N seeded mutations and runs every vtv reader of that kind on each mutant (or
--readers of them, drawn at random) with a timeout. vtv's HDF5 files carry integrity checks
(docs/formats.md, "Integrity and safe writing": a whole-file CRC-32 in the 512-byte user block,
Fletcher32 on datasets, the root attribute `attributes_checksum`), so HDF5 mutants come in layers:

  raw     byte-level damage (truncations at random and structural offsets, bit flips in the
          stamp, the superblock, object headers and dataset data, zeroed runs, inserted bytes, an
          h5py edit left unsealed): must be refused as "corrupted", never accepted
  sealed  structure-aware edits made with h5py (swapped, retyped, reshaped, huge or removed
          datasets, NaN/extreme values, attributes deleted or changed, groups removed, objects
          added), then re-sealed: `attributes_checksum` recomputed (unless the edit was to that
          attribute) and the user-block CRC restamped, so the checks pass and vtv's own readers'
          validation is what is exercised; accepting one is not damage (the file is consistent)
  other   the whole file replaced by a seed of another kind

PyTorch checkpoints and images have no vtv checksum; their mutations (truncations, header flips,
pickle edits, impossible image sizes, data flips...) are all applied raw. Each run is classified:

  ok      exit 0
  error   exit 1 or 2 with a `vtv: ` message on stderr (a clean refusal); of these, "noisy" counts
          those whose stderr also holds a library's own text (an HDF5 error stack, a codec warning),
          "unnamed" those whose message does not name the damaged file, "not corrupted" the raw
          HDF5 mutants refused with a message that does not say "corrupted"
  CRASH   killed by a signal, a Swift runtime trap, or an exit without a `vtv: ` message (each run's
          address space is limited, --memory-limit: an allocation for a size read from a file that
          passes vtv's checks aborts at once instead of taking the shared machine's memory)
  HANG    still running at --timeout
  silent  (a subset of ok) HDF5 kinds: exit 0 on a raw mutant whose bytes after the user block
          changed (must be 0); torch and image: exit 0 on a flip of stored data bytes
  WROTE-INPUT  the reader changed its input file (it may only read it)

Crashing, hanging, silent (HDF5) and input-writing mutants are kept under OUT/kept/ with a
replay.sh; the seed files they need are under OUT/seed/. Every run is a line of
OUT/results.jsonl; the summary table is printed and written to OUT/summary.md.

Needs Python 3 with numpy and h5py (no PyTorch); not run in CI. From the package root:
  swift build -c release --product vtv
  python3 tools/reliability/mutation_campaign.py --per-kind 1000 --out /tmp/vtv-campaign
Options: --kinds model,prompts,...  --seed S  --workers 2  --timeout 60  --memory-limit 4 (GiB, ulimit -v)
  --readers N  --vtv PATH
  python3 tools/reliability/mutation_campaign.py --check-seal FILE.h5...  (checks the Python
  attributes_checksum and CRC against files vtv wrote; the campaign does this on its seeds)
  python3 tools/reliability/mutation_campaign.py --seal FILE.h5...  (re-seals files edited with h5py)
  python3 tools/reliability/mutation_campaign.py --sweep-attributes  (every group attribute of the HDF5
  seeds set in turn to NaN, inf, 2^62, a string... and re-sealed, instead of random mutants)
"""
import argparse
import concurrent.futures
import hashlib
import io
import json
import os
import pickletools
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OFFICIAL = os.path.join(ROOT, "Tests", "Fixtures", "official-small")
VOC = os.path.join(OFFICIAL, "voc")
VOC_IMAGES = os.path.join("VOCdevkit", "VOC2012", "JPEGImages")
VOC_LABELS = os.path.join("VOCdevkit", "VOC2012", "SegmentationClassAug")

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1",
           # Traps end the process by a signal either way; the backtracer only costs time here.
           SWIFT_BACKTRACE="enable=no")

# ----------------------------------------------------------------------------------------------
# Seeds: one valid file of each kind, made by vtv itself.

SEARCH_FLAGS = ["--task", "segmentation", "--samples", "2", "--train-prompts", "2", "--eval-prompts", "1",
                "--eval-every", "1", "--checkpoint-every", "1", "--batch", "2"]


def make_seeds(vtv, seed_dir):
    """Writes the seed files into seed_dir (once; reused when present and complete)."""
    os.makedirs(seed_dir, exist_ok=True)
    marker = os.path.join(seed_dir, "complete")
    if os.path.exists(marker):
        return

    def s(name):
        return os.path.join(seed_dir, name)

    def run(args):
        r = subprocess.run([vtv] + args, env=ENV, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"making the seeds failed: vtv {' '.join(args)}\n{r.stderr}")

    run(["model", "init", "--config", "tiny", "--seed", "0", "--out", s("M.h5")])
    run(["prompts", "export", "--source", "synthetic:0", "--role", "collect", "--count", "4", "--out", s("P.h5")])
    run(["prompts", "export", "--source", "synthetic:0", "--role", "train", "--count", "3", "--out", s("PT.h5")])
    run(["prompts", "export", "--source", "synthetic:1", "--role", "collect", "--count", "2", "--out", s("P2.h5")])
    run(["collect", "--model", s("M.h5"), "--prompts", s("P.h5"), "--out", s("A.h5")])
    run(["collect", "--model", s("M.h5"), "--prompts", s("P2.h5"), "--out", s("A2.h5")])
    run(["score", "--activations", s("A.h5"), "--out", s("S.h5")])
    run(["taskvectors", "make", "--model", s("M.h5"), "--activations", s("A.h5"), "--task", "segmentation",
         "--top-k", "3", "--scores", s("S.h5"), "--out", s("TV.h5")])
    run(["search", "--model", s("M.h5"), "--activations", s("A.h5"), "--prompts", s("PT.h5"), "--out", s("TVS.h5"),
         "--checkpoint", s("C.h5"), "--iterations", "2"] + SEARCH_FLAGS)
    run(["prompts", "render", "--prompts", s("P.h5"), "--index", "0", "--task", "segmentation", "--out", s("img.png")])
    shutil.copy(os.path.join(VOC, VOC_IMAGES, "2008_000001.jpg"), s("img.jpg"))
    shutil.copy(os.path.join(VOC, VOC_LABELS, "2008_000001.png"), s("label.png"))
    for name in ["checkpoint.pth", "checkpoint_without_vae.pth", "vqgan.ckpt"]:
        shutil.copy(os.path.join(OFFICIAL, name), s(name))
    shutil.copy(os.path.join(ROOT, "Tests", "Fixtures", "torch", "without_vae_legacy.pth"), s("legacy.pth"))
    open(marker, "w").write("ok\n")


# ----------------------------------------------------------------------------------------------
# Kinds, their seeds and their readers. A reader is a list of arguments where "{mut}" is the
# mutant, "{dir}" the mutant's own folder and "{seed}" the seed folder.

SEARCH_RESUME = ["search", "--model", "{seed}/M.h5", "--activations", "{seed}/A.h5", "--prompts", "{seed}/PT.h5",
                 "--out", "{dir}/TV.h5", "--checkpoint", "{mut}", "--resume", "--iterations", "3"] + SEARCH_FLAGS

KINDS = {
    "model": [("M.h5", {
        "model info": ["model", "info", "{mut}"],
        "infer": ["infer", "--model", "{mut}", "--prompts", "{seed}/P.h5", "--index", "0", "--task", "segmentation",
                  "--out", "{dir}/R.h5"],
        "predict": ["predict", "--model", "{mut}", "--taskvectors", "{seed}/TV.h5", "--image", "{seed}/img.png",
                    "--out", "{dir}/o.png"],
        "taskvectors make": ["taskvectors", "make", "--model", "{mut}", "--activations", "{seed}/A.h5",
                             "--task", "segmentation", "--variables", "1,2", "--out", "{dir}/TV.h5"],
    })],
    "prompts": [("P.h5", {
        "prompts info": ["prompts", "info", "{mut}"],
        "prompts render": ["prompts", "render", "--prompts", "{mut}", "--index", "1", "--task", "segmentation",
                           "--out", "{dir}/c.png"],
        "infer": ["infer", "--model", "{seed}/M.h5", "--prompts", "{mut}", "--index", "0", "--task", "segmentation",
                  "--out", "{dir}/R.h5"],
        "collect": ["collect", "--model", "{seed}/M.h5", "--prompts", "{mut}", "--tasks", "segmentation,inpaint",
                    "--out", "{dir}/A.h5"],
    })],
    "activations": [("A.h5", {
        "activations info": ["activations", "info", "{mut}"],
        "score": ["score", "--activations", "{mut}", "--out", "{dir}/S.h5"],
        "taskvectors make": ["taskvectors", "make", "--model", "{seed}/M.h5", "--activations", "{mut}",
                             "--task", "segmentation", "--variables", "1,2,7", "--out", "{dir}/TV.h5"],
        "infer patched": ["infer", "--model", "{seed}/M.h5", "--prompts", "{seed}/P.h5", "--index", "0",
                          "--task", "segmentation", "--mode", "patched", "--activations", "{mut}",
                          "--patch-variables", "1,2", "--out", "{dir}/R.h5"],
        "activations merge": ["activations", "merge", "{mut}", "{seed}/A2.h5", "--out", "{dir}/M.h5"],
    })],
    "scores": [("S.h5", {
        "taskvectors make": ["taskvectors", "make", "--model", "{seed}/M.h5", "--activations", "{seed}/A.h5",
                             "--task", "segmentation", "--top-k", "3", "--scores", "{mut}", "--out", "{dir}/TV.h5"],
        "eval": ["eval", "--model", "{seed}/M.h5", "--prompts", "{seed}/P.h5", "--tasks", "segmentation",
                 "--top-k", "3", "--scores", "{mut}", "--activations", "{seed}/A.h5", "--count", "1",
                 "--grid", "0", "--out", "{dir}/E"],
    })],
    "taskvectors": [(name, {
        "infer patched": ["infer", "--model", "{seed}/M.h5", "--prompts", "{seed}/P.h5", "--index", "0",
                          "--task", "segmentation", "--mode", "patched", "--taskvectors", "{mut}", "--out", "{dir}/R.h5"],
        "predict": ["predict", "--model", "{seed}/M.h5", "--taskvectors", "{mut}", "--image", "{seed}/img.png",
                    "--out", "{dir}/o.png"],
        "eval": ["eval", "--model", "{seed}/M.h5", "--prompts", "{seed}/P.h5", "--taskvectors", "{mut}",
                 "--count", "1", "--grid", "0", "--out", "{dir}/E"],
    }) for name in ["TV.h5", "TVS.h5"]],
    "checkpoint": [("C.h5", {"search --resume": SEARCH_RESUME})],
    "torch": [
        ("checkpoint.pth", {
            "model inspect": ["model", "inspect", "{mut}"],
            "model convert": ["model", "convert", "--mae", "{mut}", "--out", "{dir}/M.h5"],
        }),
        ("legacy.pth", {
            "model inspect": ["model", "inspect", "{mut}"],
            "model convert": ["model", "convert", "--mae", "{mut}", "--vqgan", "{seed}/vqgan.ckpt", "--out", "{dir}/M.h5"],
        }),
        ("vqgan.ckpt", {
            "model inspect": ["model", "inspect", "{mut}"],
            "model convert": ["model", "convert", "--mae", "{seed}/checkpoint_without_vae.pth", "--vqgan", "{mut}",
                              "--out", "{dir}/M.h5"],
        }),
    ],
    "image": [
        ("img.png", {
            "predict": ["predict", "--model", "{seed}/M.h5", "--taskvectors", "{seed}/TV.h5", "--image", "{mut}",
                        "--out", "{dir}/o.png"],
        }),
        ("img.jpg", {
            "predict": ["predict", "--model", "{seed}/M.h5", "--taskvectors", "{seed}/TV.h5", "--image", "{mut}",
                        "--out", "{dir}/o.png"],
            "prompts build": ["prompts", "build", "--voc", "{dir}/voc", "--query", "2008_000001", "--support",
                              "2008_000006", "--class", "1", "--out", "{dir}/P.h5"],
        }),
        ("label.png", {
            "prompts build": ["prompts", "build", "--voc", "{dir}/voc", "--query", "2008_000001", "--support",
                              "2008_000006", "--class", "1", "--out", "{dir}/P.h5"],
        }),
    ],
}
HDF5_KINDS = {"model", "prompts", "activations", "scores", "taskvectors", "checkpoint"}
# Readers that legitimately rewrite their input: the search rewrites its checkpoint.
REWRITES_INPUT = {"search --resume"}

# ----------------------------------------------------------------------------------------------
# Sealing: vtv's integrity checks, recomputed in Python (docs/formats.md, "Integrity and safe
# writing"), so that structure-aware edits reach vtv's readers past the checksums.

USER_BLOCK = 512
STAMP = b"VTVSUM01"
STAMP_END = 20  # marker, uint64 length, uint32 CRC; the rest of the user block is not checked
CHECKSUM = "attributes_checksum"
FNV_OFFSET, FNV_PRIME, MASK64 = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1


def _fnv_add(h, text):
    """Adds a string to the FNV-1a hash: its UTF-8 bytes, then one zero byte."""
    for byte in text.encode("utf-8") + b"\0":
        h = ((h ^ byte) * FNV_PRIME) & MASK64
    return h


def _double_bits(values):
    """Swift's String(d.bitPattern, radix: 16) of each double: lowercase hex, no leading zeros."""
    return ",".join(format(int(v), "x") for v in np.asarray(values, dtype="<f8").reshape(-1).view("<u8"))


def canonical_attribute(obj, name):
    """The canonical form of one attribute (AttributeChecksum.canonical), read as vtv reads it:
    integers as int64, floats as float64, strings as text; no shape is a scalar."""
    aid = obj.attrs.get_id(name)
    type_id = aid.get_type()
    kind = type_id.get_class()
    scalar = len(aid.shape) == 0
    if kind == h5py.h5t.INTEGER:
        values = np.zeros(aid.shape, dtype=np.int64)
        aid.read(values, mtype=h5py.h5t.NATIVE_INT64)
        return f"i:{int(values)}" if scalar else "I:" + ",".join(str(int(v)) for v in values.reshape(-1))
    if kind == h5py.h5t.FLOAT:
        values = np.zeros(aid.shape, dtype=np.float64)
        aid.read(values, mtype=h5py.h5t.NATIVE_DOUBLE)
        return ("d:" if scalar else "D:") + _double_bits(values)
    if kind == h5py.h5t.STRING:
        variable = type_id.is_variable_str()

        def text(value):  # vtv: C strings end at a zero byte; fixed-length ones are trimmed
            if isinstance(value, bytes):
                value = value.split(b"\0", 1)[0].decode("utf-8", "replace")
            value = str(value).split("\0", 1)[0]
            return value if variable else value.strip(" \t")
        value = obj.attrs[name]
        if scalar:
            return "s:" + text(value.item() if isinstance(value, np.ndarray) else value)
        return "S:" + "\0".join(text(v) for v in np.asarray(value, dtype=object).reshape(-1))
    raise ValueError(f"attribute {name!r} has a type vtv does not read (class {kind})")


def attributes_checksum(f):
    """vtv's `attributes_checksum` of an open h5py file (Sources/Storage/AttributeChecksum.swift):
    64-bit FNV-1a over the root "/" then its children by name, depth first, each object's path
    followed by its attribute names in order and their canonical values (the root's own
    `attributes_checksum` left out); the int64 with the hash's bit pattern."""
    h = FNV_OFFSET

    def visit(obj, path):
        nonlocal h
        h = _fnv_add(h, path)
        for name in sorted(obj.attrs.keys()):
            if path == "/" and name == CHECKSUM:
                continue
            h = _fnv_add(h, name)
            h = _fnv_add(h, canonical_attribute(obj, name))
        if isinstance(obj, h5py.Group):
            for child in sorted(obj.keys()):
                visit(obj[child], ("/" if path == "/" else path + "/") + child)
    visit(f, "/")
    return h - (1 << 64) if h >= 1 << 63 else h


def stamp_crc(data):
    """The file with its user block's stamp rewritten: `VTVSUM01`, uint64 LE length of the rest,
    uint32 LE zlib.crc32 of the rest (FileChecksum.swift)."""
    return STAMP + struct.pack("<QI", len(data) - USER_BLOCK, zlib.crc32(data[USER_BLOCK:]) & 0xFFFFFFFF) + data[STAMP_END:]


def seal_file(path):
    """Re-seals a vtv file edited in place (by h5py): recomputes `attributes_checksum` (when the
    file has one), then, with h5py closed, the user block's CRC (when it has the stamp)."""
    with h5py.File(path, "r+") as f:
        if CHECKSUM in f.attrs:
            f.attrs[CHECKSUM] = np.int64(attributes_checksum(f))
    data = open(path, "rb").read()
    if data.startswith(STAMP):
        open(path, "r+b").write(stamp_crc(data)[:STAMP_END])


def check_seal(path):
    """Checks this module's attributes_checksum and CRC against a file vtv wrote; returns a
    list of mismatches (empty when both agree with the stored values)."""
    problems = []
    with h5py.File(path, "r") as f:
        if CHECKSUM in f.attrs:
            stored, mine = int(f.attrs[CHECKSUM]), attributes_checksum(f)
            if stored != mine:
                problems.append(f"{path}: attributes_checksum {mine} where vtv stored {stored}")
        else:
            problems.append(f"{path}: no {CHECKSUM}")
    data = open(path, "rb").read()
    if not data.startswith(STAMP):
        problems.append(f"{path}: no {STAMP.decode()} stamp")
    elif stamp_crc(data) != data:
        problems.append(f"{path}: the recomputed stamp differs from vtv's")
    return problems


# ----------------------------------------------------------------------------------------------
# Mutations. Each takes (bytes of the seed, path of the seed, rng) and returns
# (mutant bytes, description dict); "data_flip": True marks a flip of stored data bytes.


def flip_bits(data, offsets, rng):
    """Flips one random bit at each offset; the description's "offsets" hold [offset, bit] pairs."""
    data = bytearray(data)
    for i, at in enumerate(offsets):
        bit = rng.randrange(8)
        data[at] ^= 1 << bit
        offsets[i] = [at, bit]
    return bytes(data)


def interesting_int(rng):
    return rng.choice([0, -1, 1, 2, 3, 255, 65535, 2**31 - 1, -2**31, 2**32, 2**40, 2**62, 2**63 - 1, -2**63,
                       rng.randrange(-1000, 100000)])


class HDF5Map:
    """Where things are in a seed HDF5 file: data extents per dataset (absolute file offsets),
    object header offsets (HDF5 addresses are relative to the superblock, after the user block),
    datasets, groups and attributes (read once with h5py)."""

    def __init__(self, path):
        self.extents = []      # (dataset, offset, size)
        self.headers = []      # (name, offset)
        self.datasets = []     # (name, shape, dtype)
        self.groups = []
        self.attributes = []   # (object name, attribute name)
        with h5py.File(path, "r") as f:
            self.base = f.id.get_create_plist().get_userblock()
            self.headers.append(("/", self.base + h5py.h5o.get_info(f.id).addr))
            for a in f.attrs:
                self.attributes.append(("/", a))

            def visit(name, obj):
                self.headers.append((name, self.base + h5py.h5o.get_info(obj.id).addr))
                for a in obj.attrs:
                    self.attributes.append((name, a))
                if isinstance(obj, h5py.Dataset):
                    self.datasets.append((name, obj.shape, obj.dtype))
                    if obj.chunks is None:
                        offset = obj.id.get_offset()  # absolute: includes the user block
                        size = obj.id.get_storage_size()
                        if offset is not None and size > 0:
                            self.extents.append((name, offset, size))
                    else:
                        for i in range(obj.id.get_num_chunks()):
                            info = obj.id.get_chunk_info(i)  # absolute, as get_offset
                            if info.size > 0:
                                self.extents.append((name, info.byte_offset, info.size))
                else:
                    self.groups.append(name)
            f.visititems(visit)
        self.size = os.path.getsize(path)
        # Byte ranges holding no dataset data; the user block's unchecked padding (after the
        # stamp) is left out: HDF5 and vtv both ignore it.
        covered = sorted([(o, o + n) for _, o, n in self.extents] + [(STAMP_END, self.base)] * (self.base > STAMP_END))
        self.metadata = []
        at = 0
        for start, end in covered:
            if start > at:
                self.metadata.append((at, start))
            at = max(at, end)
        if at < self.size:
            self.metadata.append((at, self.size))

    def metadata_offset(self, rng):
        if rng.random() < 0.5 and self.headers:
            _, address = rng.choice(self.headers)
            return min(self.size - 1, max(self.base, address + rng.randrange(-16, 128)))
        if rng.random() < 0.2:
            return self.base + rng.randrange(min(96, self.size - self.base))  # the superblock
        if rng.random() < 0.05:
            return rng.randrange(min(STAMP_END, self.size))  # the stamp: marker, length, CRC
        start, end = rng.choice(self.metadata)
        return rng.randrange(start, end)


_maps = {}
_maps_lock = threading.Lock()


def hdf5_map(path):
    with _maps_lock:
        if path not in _maps:
            _maps[path] = HDF5Map(path)
        return _maps[path]


def h5_edit(data, rng, edit, seal=True):
    """Applies `edit(file, rng) -> description` to a copy of the file with h5py and, with `seal`,
    re-seals it: `attributes_checksum` recomputed (unless the edit was to that attribute: then it
    stays as edited) and, after h5py has closed the file (mode 'r+' rewrites bytes of its own),
    the user block's CRC restamped. An edit that cannot apply to this file raises `Skip`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.h5")
        open(path, "wb").write(data)
        with h5py.File(path, "r+") as f:
            description = edit(f, rng)
            if "skipped" in description:
                raise Skip(description["skipped"])
            if seal:
                edited = description.get("object") == "/" and description.get("attribute") == CHECKSUM
                if CHECKSUM in f.attrs and not edited:
                    f.attrs[CHECKSUM] = np.int64(attributes_checksum(f))
                    description["sealed"] = "attributes_checksum and CRC"
                else:
                    description["sealed"] = "CRC (attributes_checksum as edited)" if edited else "CRC"
        mutant = open(path, "rb").read()
        if seal and mutant.startswith(STAMP):
            mutant = stamp_crc(mutant)
        return mutant, description


class Skip(Exception):
    """An edit that does not apply to this file (another is drawn)."""


def all_datasets(f):
    found = []
    f.visititems(lambda n, o: found.append(n) if isinstance(o, h5py.Dataset) else None)
    return found


def all_objects(f):
    found = ["/"]
    f.visititems(lambda n, o: found.append(n))
    return found


def replace_dataset(f, name, array, **options):
    """Rewrites dataset `name` with `array` (or with `options` alone: shape, dtype, chunks),
    keeping its attributes and, where the new one can have it, its Fletcher32 filter."""
    attrs = dict(f[name].attrs)
    fletcher32 = f[name].fletcher32
    del f[name]
    if options:
        f.create_dataset(name, fletcher32=fletcher32, **options)
    else:
        array = np.asarray(array)
        checked = fletcher32 and array.ndim > 0 and array.size > 0 and array.dtype.kind in "fiub"
        f.create_dataset(name, data=array, fletcher32=checked)
    for k, v in attrs.items():
        f[name].attrs[k] = v


def edit_swap(f, rng):
    names = all_datasets(f)
    if len(names) < 2:
        return {"op": "swap datasets", "skipped": "fewer than two datasets"}
    shapes = {}
    for n in names:
        shapes.setdefault(f[n].shape, []).append(n)
    same = [group for group in shapes.values() if len(group) >= 2]
    if same and rng.random() < 0.5:
        a, b = rng.sample(rng.choice(same), 2)
    else:
        a, b = rng.sample(names, 2)
    f.move(a, "__swap__")
    f.move(b, a)
    f.move("__swap__", b)
    return {"op": "swap datasets", "a": a, "b": b}


def edit_dtype(f, rng):
    name = rng.choice(all_datasets(f))
    values = f[name][()]
    target = rng.choice(["float32", "float64", "float16", "int32", "int64", "uint8", "int8", "string"])
    if target == "string":
        array = np.array([b"x"] * max(1, np.size(values)), dtype=h5py.string_dtype()).reshape(
            np.shape(values) if np.size(values) else (1,))
    else:
        with np.errstate(all="ignore"):
            array = np.asarray(values).astype(target)
    replace_dataset(f, name, array)
    return {"op": "dataset dtype", "dataset": name, "from": str(np.asarray(values).dtype), "to": target}


def edit_shape(f, rng):
    name = rng.choice(all_datasets(f))
    values = np.asarray(f[name][()])
    how = rng.choice(["drop last element", "add a dimension", "remove a dimension", "transpose", "empty",
                      "scalar", "grow by one", "flatten"])
    if how == "drop last element" and values.ndim >= 1 and values.shape[-1] > 0:
        array = values[..., :-1]
    elif how == "add a dimension":
        array = values[np.newaxis, ...]
    elif how == "remove a dimension" and values.ndim >= 2:
        array = values.reshape(values.shape[:-2] + (-1,))
    elif how == "remove a dimension" and values.ndim == 1 and values.size:
        array = values[:1].reshape(())
    elif how == "transpose" and values.ndim >= 2:
        array = values.T
    elif how == "empty":
        array = np.zeros((0,) + values.shape[1:], dtype=values.dtype)
    elif how == "scalar":
        array = np.asarray(values.flat[0] if values.size else 0, dtype=values.dtype)
    elif how == "grow by one" and values.ndim >= 1:
        array = np.concatenate([values, values[..., :1] if values.shape[-1] else np.zeros(values.shape[:-1] + (1,), values.dtype)], axis=-1)
    else:
        array = values.reshape(-1)
    replace_dataset(f, name, array)
    return {"op": "dataset shape", "dataset": name, "how": how, "from": list(values.shape), "to": list(np.shape(array))}


def edit_huge_shape(f, rng):
    name = rng.choice(all_datasets(f))
    d = f[name]
    dtype = d.dtype if d.dtype.kind in "fiub" else np.dtype("float32")
    before = list(d.shape)
    shape = list(d.shape) or [1]
    axis = rng.randrange(len(shape) + 1)
    huge = rng.choice([2**31, 2**32 + 1, 2**40, 2**48])
    if axis == len(shape):
        shape.insert(0, huge)
    else:
        shape[axis] = huge
    # The total must stay under 2^63 bytes for HDF5; no chunk is written, so the file stays small.
    while int(np.prod(shape, dtype=object)) * dtype.itemsize >= 2**62:
        shape[shape.index(max(shape))] //= 1024
    chunks = tuple(max(1, min(s, 64)) for s in shape)
    # A zero dimension takes a chunk of 1 only when the dataset may grow along it.
    maxshape = tuple(None if s == 0 else s for s in shape)
    replace_dataset(f, name, None, shape=tuple(shape), dtype=dtype, chunks=chunks, maxshape=maxshape)
    return {"op": "dataset huge shape", "dataset": name, "from": before, "to": shape}


def edit_values(f, rng):
    name = rng.choice(all_datasets(f))
    values = np.array(f[name][()])
    if values.size == 0 or values.dtype.kind not in "fiub":
        return {"op": "dataset values", "dataset": name, "skipped": "empty or not numeric"}
    flat = values.reshape(-1)
    if values.dtype.kind == "f":
        value = rng.choice([np.nan, np.inf, -np.inf, 1e38, -1e38, 0.0, 1e-45])
    else:
        info = np.iinfo(values.dtype)
        value = rng.choice([info.max, info.min, -1 if info.min < 0 else info.max, 0, info.max // 2])
    where = "all" if rng.random() < 0.2 else "one"
    if where == "all":
        flat[:] = value
    else:
        flat[rng.randrange(flat.size)] = value
    f[name][...] = values
    return {"op": "dataset values", "dataset": name, "value": repr(value), "where": where}


def edit_attribute_delete(f, rng):
    objects = [(o, a) for o in all_objects(f) for a in f[o].attrs]
    if not objects:
        return {"op": "delete attribute", "skipped": "no attributes"}
    o, a = rng.choice(objects)
    del f[o].attrs[a]
    return {"op": "delete attribute", "object": o, "attribute": a}


def edit_attribute_change(f, rng):
    objects = [(o, a) for o in all_objects(f) for a in f[o].attrs]
    if not objects:
        return {"op": "change attribute", "skipped": "no attributes"}
    o, a = rng.choice(objects)
    old = f[o].attrs[a]
    choice = rng.randrange(8)
    if choice == 0:
        new = np.int64(interesting_int(rng) if rng.random() < 0.9 else 0)
    elif choice == 1:
        new = rng.choice([np.float64("nan"), np.float64("inf"), np.float64(-1.5), np.float64(1e300)])
    elif choice == 2:
        new = rng.choice(["", "vtv-model", "vtv-prompts", "vtv-activations", "vtv-scores", "vtv-taskvectors",
                          "vtv-search-checkpoint", "x" * 10000, "\u00e9\u2028z", "0123456789abcdef"])
    elif choice == 3:
        new = np.array([interesting_int(rng) for _ in range(rng.randrange(0, 7))], dtype=np.int64)
    elif choice == 4:
        new = np.array([str(rng.randrange(100)) for _ in range(rng.randrange(0, 4))], dtype=h5py.string_dtype())
    elif choice == 5 and isinstance(old, (np.integer, int)):
        new = np.int64(int(old) + rng.choice([-1, 1, 1000, -1000]))
    elif choice == 6 and isinstance(old, (np.ndarray,)) and old.size > 0:
        new = old[:-1]
    else:
        new = np.int32(interesting_int(rng) % 2**31)
    f[o].attrs[a] = new
    return {"op": "change attribute", "object": o, "attribute": a, "to": repr(new)[:80]}


def edit_remove(f, rng):
    objects = [o for o in all_objects(f) if o != "/"]
    if not objects:
        return {"op": "remove object", "skipped": "nothing to remove"}
    groups = [o for o in objects if isinstance(f[o], h5py.Group)]
    name = rng.choice(groups if groups and rng.random() < 0.6 else objects)
    del f[name]
    return {"op": "remove object", "object": name}


def edit_extra(f, rng):
    name = rng.choice(["extra", "tasks/bogus", "weights/extra.weight", "prompts/99", "encoder/extra", "config/x"])
    try:
        f.create_dataset(name, data=np.arange(rng.randrange(0, 5), dtype=np.float32))
    except Exception:
        f.attrs["extra"] = 1
        name = "attribute /extra"
    return {"op": "add object", "object": name}


H5_EDITS = [edit_swap, edit_dtype, edit_shape, edit_huge_shape, edit_values, edit_attribute_delete,
            edit_attribute_change, edit_remove, edit_extra]


# The attribute sweep (--sweep-attributes): every attribute of every group of each HDF5 seed (the
# root's and /config's included, `attributes_checksum` left out) set in turn to each of these
# values, re-sealed. Random edits reach a given attribute with a given value rarely; a reader's
# configuration and settings checks are where hostile numbers go first.
SWEEP_VALUES = [("nan", np.float64("nan")), ("inf", np.float64("inf")), ("-inf", np.float64("-inf")),
                ("1e300", np.float64(1e300)), ("0.5", np.float64(0.5)), ("-1", np.int64(-1)), ("0", np.int64(0)),
                ("2^62", np.int64(2**62)), ("-2^63", np.int64(-2**63)), ("string", "x"),
                ("empty ints", np.array([], dtype=np.int64)), ("3 ints", np.array([1, 2, 3], dtype=np.int64))]


def attribute_sweep(seed_dir, kind):
    """[(seed name, object, attribute, value name)] of the sweep over `kind`'s HDF5 seeds."""
    items = []
    for seed_name, _ in KINDS[kind]:
        with h5py.File(os.path.join(seed_dir, seed_name), "r") as f:
            groups = ["/"]
            f.visititems(lambda n, o: groups.append(n) if isinstance(o, h5py.Group) else None)
            for group in groups:
                for attribute in sorted(f[group].attrs):
                    if group == "/" and attribute == CHECKSUM:
                        continue
                    items += [(seed_name, group, attribute, value) for value, _ in SWEEP_VALUES]
    return items


def sweep_mutant(data, item):
    _, group, attribute, value_name = item
    value = dict(SWEEP_VALUES)[value_name]

    def edit(f, rng):
        f[group].attrs[attribute] = value
        return {"op": "attribute sweep", "object": group, "attribute": attribute, "to": value_name}
    mutant, description = h5_edit(data, None, edit)
    description["layer"] = "sealed"
    return mutant, description


def mutate_hdf5(data, path, rng, seeds):
    """A raw, sealed or other-file mutant of an HDF5 seed; the description's "layer" says which."""
    mutant, description = mutate_hdf5_op(data, path, rng, seeds)
    description.setdefault("layer", "raw")
    return mutant, description


def mutate_hdf5_op(data, path, rng, seeds):
    m = hdf5_map(path)
    op = rng.choices(["truncate", "truncate structural", "flip metadata", "flip data", "zero run", "insert bytes",
                      "h5py edit, unsealed", "h5py edit", "other kind"], weights=[6, 6, 12, 12, 4, 3, 4, 49, 4])[0]
    if op == "truncate":
        at = rng.randrange(len(data))
        return data[:at], {"op": op, "at": at}
    if op == "truncate structural":
        points = [0, 8, 16, STAMP_END] + [m.base + d for d in (0, 8, 48, 96)] + \
                 [a + d for _, a in m.headers for d in (0, 4, 16)] + \
                 [o + d for _, o, n in m.extents for d in (0, n // 2, n - 1)] + [len(data) - 1]
        at = max(0, min(len(data) - 1, rng.choice(points)))
        return data[:at], {"op": op, "at": at}
    if op == "flip metadata":
        offsets = [m.metadata_offset(rng) for _ in range(rng.randrange(1, 4))]
        return flip_bits(data, offsets, rng), {"op": op, "offsets": offsets}
    if op == "flip data" and m.extents:
        name, offset, size = rng.choice(m.extents)
        at = offset + rng.randrange(size)
        flips = [at]
        return flip_bits(data, flips, rng), {"op": op, "dataset": name, "offset": flips, "data_flip": True}
    if op == "zero run":
        at = m.metadata_offset(rng)
        n = rng.randrange(8, 513)
        return data[:at] + bytes(min(n, len(data) - at)) + data[at + n:], {"op": op, "at": at, "bytes": n}
    if op == "insert bytes":
        at = rng.randrange(len(data))
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        return data[:at] + blob + data[at:], {"op": op, "at": at, "bytes": len(blob)}
    if op == "other kind":
        other = rng.choice(seeds)
        return open(other, "rb").read(), {"op": op, "file": os.path.basename(other), "layer": "other"}
    sealed = op == "h5py edit"
    for _ in range(20):  # draw another edit when one does not apply (e.g. one dataset to swap)
        edit = rng.choice(H5_EDITS)
        try:
            mutant, description = h5_edit(data, rng, edit, seal=sealed)
        except Skip:
            continue
        description["layer"] = "sealed" if sealed else "raw"
        if not sealed:
            description["op"] += ", unsealed"
        return mutant, description
    raise Skip("no edit applies")


# --- PyTorch checkpoints ------------------------------------------------------------------------


def pickle_ops(blob):
    """[(opcode name, arg, position, end)] of the pickle at the start of blob."""
    ops = list(pickletools.genops(blob))
    result = []
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else pos + 1
        result.append((op.name, arg, pos, end))
    return result


def encode_long1(value):
    n = max(1, (value.bit_length() + 8) // 8)
    return b"\x8a" + bytes([n]) + value.to_bytes(n, "little", signed=True)


def mutate_pickle(blob, rng):
    """Structure-aware edits of one pickle: an int operand, a string operand, an opcode."""
    ops = pickle_ops(blob)
    ints = [o for o in ops if o[0] in ("BININT", "BININT1", "BININT2", "LONG1", "INT", "LONG")]
    strings = [o for o in ops if o[0] in ("SHORT_BINUNICODE", "BINUNICODE", "GLOBAL", "SHORT_BINSTRING")]
    choice = rng.randrange(4)
    if choice == 0 and ints:
        name, arg, pos, end = rng.choice(ints)
        value = interesting_int(rng)
        return blob[:pos] + encode_long1(value) + blob[end:], {"pickle": "int", "at": pos, "from": repr(arg), "to": value}
    if choice == 1 and strings:
        name, arg, pos, end = rng.choice(strings)
        if name == "GLOBAL":
            new = rng.choice(["torch\nHalfStorage", "torch\nLongStorage", "torch\nBoolStorage", "torch\nNoSuchStorage",
                              "os\nsystem", "torch._utils\n_rebuild_parameter", "collections\nOrderedDict",
                              "torch._tensor\n_rebuild_from_type_v2", "builtins\nset"])
            return blob[:pos] + b"c" + new.encode() + b"\n" + blob[end:], {"pickle": "global", "at": pos, "to": new}
        others = [a for n, a, _, _ in strings if n != "GLOBAL" and isinstance(a, str)]
        new = rng.choice(others + ["", "0", "storage", "model", "state_dict", "x" * 300])
        raw = new.encode()
        encoded = (b"\x8c" + bytes([len(raw)]) + raw) if len(raw) < 256 else (b"X" + struct.pack("<I", len(raw)) + raw)
        return blob[:pos] + encoded + blob[end:], {"pickle": "string", "at": pos, "from": str(arg)[:40], "to": new[:40]}
    name, arg, pos, end = rng.choice(ops)
    how = rng.choice(["delete", "duplicate", "swap with next"])
    if how == "delete":
        return blob[:pos] + blob[end:], {"pickle": "delete opcode", "opcode": name, "at": pos}
    if how == "duplicate":
        return blob[:end] + blob[pos:end] + blob[end:], {"pickle": "duplicate opcode", "opcode": name, "at": pos}
    index = [o[2] for o in ops].index(pos)
    if index + 1 < len(ops):
        nxt = ops[index + 1]
        return blob[:pos] + blob[nxt[2]:nxt[3]] + blob[pos:end] + blob[nxt[3]:], {"pickle": "swap opcodes", "at": pos}
    return blob, {"pickle": "no-op"}


def zip_layout(data):
    """Entries of a zip checkpoint with their header and data offsets, and the directory's place."""
    z = zipfile.ZipFile(io.BytesIO(data))
    entries = []
    for info in z.infolist():
        h = info.header_offset
        name_length, extra_length = struct.unpack("<HH", data[h + 26:h + 30])
        entries.append((info.filename, h, h + 30 + name_length + extra_length, info.compress_size))
    eocd = data.rfind(b"PK\x05\x06")
    directory = struct.unpack("<I", data[eocd + 16:eocd + 20])[0]
    return z, entries, directory, eocd


def rebuild_zip(z, replace=None, drop=(), rename=None, deflate=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as w:
        for info in z.infolist():
            if info.filename in drop:
                continue
            payload = (replace or {}).get(info.filename, z.read(info.filename))
            name = (rename or {}).get(info.filename, info.filename)
            w.writestr(zipfile.ZipInfo(name), payload,
                       compress_type=zipfile.ZIP_DEFLATED if info.filename in deflate else zipfile.ZIP_STORED)
    return out.getvalue()


def mutate_zip_checkpoint(data, rng):
    z, entries, directory, eocd = zip_layout(data)
    pkl = next(e for e in entries if e[0].endswith("data.pkl"))
    storages = [e for e in entries if "/data/" in e[0]]
    op = rng.choices(["truncate", "truncate structural", "flip headers", "flip pickle bytes", "edit pickle",
                      "flip data", "swap records", "drop record", "deflate record"],
                     weights=[8, 8, 16, 14, 26, 16, 5, 4, 3])[0]
    if op == "truncate":
        at = rng.randrange(len(data))
        return data[:at], {"op": op, "at": at}
    if op == "truncate structural":
        points = [h for _, h, _, _ in entries] + [d for _, _, d, _ in entries] + [directory, eocd, eocd + 10]
        at = min(len(data) - 1, rng.choice(points))
        return data[:at], {"op": op, "at": at}
    if op == "flip headers":
        regions = [(h, d) for _, h, d, _ in entries] + [(directory, len(data))]
        offsets = []
        for _ in range(rng.randrange(1, 4)):
            start, end = rng.choice(regions)
            offsets.append(rng.randrange(start, end))
        return flip_bits(data, offsets, rng), {"op": op, "offsets": offsets}
    if op == "flip pickle bytes":
        offsets = [pkl[2] + rng.randrange(pkl[3]) for _ in range(rng.randrange(1, 4))]
        return flip_bits(data, offsets, rng), {"op": op, "offsets": offsets}
    if op == "edit pickle":
        blob, what = mutate_pickle(z.read(pkl[0]), rng)
        return rebuild_zip(z, replace={pkl[0]: blob}), dict(op=op, **what)
    if op == "flip data" and storages:
        name, _, start, size = rng.choice([s for s in storages if s[3] > 0])
        at = start + rng.randrange(size)
        flips = [at]
        return flip_bits(data, flips, rng), {"op": op, "record": name, "offset": flips, "data_flip": True}
    if op == "swap records" and len(storages) >= 2:
        a, b = rng.sample([s[0] for s in storages], 2)
        return rebuild_zip(z, rename={a: b, b: a}), {"op": op, "a": a, "b": b}
    if op == "drop record":
        name = rng.choice([e[0] for e in entries])
        return rebuild_zip(z, drop={name}), {"op": op, "record": name}
    name = rng.choice([e[0] for e in entries])
    return rebuild_zip(z, deflate={name}), {"op": "deflate record", "record": name}


def legacy_layout(data):
    """Offsets of the five pickles and of each storage (count field, data, size) of a legacy file."""
    pickles, at = [], 0
    for _ in range(5):
        ops = pickle_ops(data[at:])
        end = at + ops[-1][3]
        pickles.append((at, end))
        at = end
    return pickles, at


def mutate_legacy_checkpoint(data, rng):
    pickles, storages_at = legacy_layout(data)
    op = rng.choices(["truncate", "truncate structural", "flip pickle bytes", "edit pickle", "storage count",
                      "flip data"], weights=[10, 10, 15, 35, 10, 20])[0]
    if op == "truncate":
        at = rng.randrange(len(data))
        return data[:at], {"op": op, "at": at}
    if op == "truncate structural":
        points = [p for pair in pickles for p in pair] + [storages_at + 8, len(data) - 1]
        at = rng.choice(points)
        return data[:at], {"op": op, "at": at}
    if op == "flip pickle bytes":
        start, end = rng.choice(pickles[3:])
        offsets = [rng.randrange(start, end) for _ in range(rng.randrange(1, 4))]
        return flip_bits(data, offsets, rng), {"op": op, "offsets": offsets}
    if op == "edit pickle":
        index = rng.choice([2, 3, 3, 3, 4])
        start, end = pickles[index]
        blob, what = mutate_pickle(data[start:end], rng)
        return data[:start] + blob + data[end:], dict(op=op, pickle_index=index, **what)
    if op == "storage count":
        # The first storage's element count (an int64 right after the key list).
        value = interesting_int(rng)
        return data[:storages_at] + struct.pack("<q", max(-2**63, min(2**63 - 1, value))) + data[storages_at + 8:], \
            {"op": op, "to": value}
    at = rng.randrange(storages_at + 8, len(data))
    flips = [at]
    return flip_bits(data, flips, rng), {"op": "flip data", "offset": flips, "data_flip": True}


def mutate_torch(data, path, rng, seeds):
    if rng.random() < 0.03:
        other = rng.choice(seeds)
        return open(other, "rb").read(), {"op": "other kind", "file": os.path.basename(other), "layer": "other"}
    if data[:2] == b"PK":
        return mutate_zip_checkpoint(data, rng)
    return mutate_legacy_checkpoint(data, rng)


# --- Images -------------------------------------------------------------------------------------


def png_chunks(data):
    chunks, at = [], 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks.append((kind, at, length))
        at += 12 + length
    return chunks


def png_with_chunk(data, at, length, kind, payload):
    chunk = struct.pack(">I", len(payload)) + kind + payload
    chunk += struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    return data[:at] + chunk + data[at + 12 + length:]


def mutate_png(data, rng):
    chunks = png_chunks(data)
    op = rng.choices(["truncate", "truncate structural", "IHDR value", "flip header", "flip data",
                      "flip data, CRC fixed"], weights=[10, 10, 30, 15, 20, 15])[0]
    if op == "truncate":
        at = rng.randrange(len(data))
        return data[:at], {"op": op, "at": at}
    if op == "truncate structural":
        at = rng.choice([8, 16, 33] + [a + d for _, a, n in chunks for d in (0, 8, n // 2)])
        return data[:at], {"op": op, "at": at}
    if op == "IHDR value":
        kind, at, length = chunks[0]
        payload = bytearray(data[at + 8:at + 8 + length])
        field = rng.choice(["width", "height", "depth", "color", "interlace", "both"])
        value = rng.choice([0, 1, 65535, 100000, 2**31 - 1, 2**32 - 1])
        if field in ("width", "both"):
            payload[0:4] = struct.pack(">I", value)
        if field in ("height", "both"):
            payload[4:8] = struct.pack(">I", value)
        if field == "depth":
            payload[8] = rng.choice([0, 3, 16, 255])
        if field == "color":
            payload[9] = rng.choice([1, 5, 7, 255])
        if field == "interlace":
            payload[12] = rng.choice([1, 2, 255])
        return png_with_chunk(data, at, length, kind, bytes(payload)), {"op": op, "field": field, "value": value}
    if op == "flip header":
        offsets = [rng.randrange(0, 33) for _ in range(rng.randrange(1, 3))]
        return flip_bits(data, offsets, rng), {"op": op, "offsets": offsets}
    idat = [(k, a, n) for k, a, n in chunks if k == b"IDAT"]
    kind, at, length = rng.choice(idat)
    flips = [at + 8 + rng.randrange(length)]
    mutant = flip_bits(data, flips, rng)
    if op == "flip data, CRC fixed":
        mutant = png_with_chunk(mutant, at, length, kind, mutant[at + 8:at + 8 + length])
    return mutant, {"op": op, "offset": flips, "data_flip": True}


def jpeg_segments(data):
    segments, at = [], 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        segments.append((marker, at, length))
        if marker == 0xDA:
            break
        at += 2 + length
    return segments


def mutate_jpeg(data, rng):
    segments = jpeg_segments(data)
    op = rng.choices(["truncate", "truncate structural", "SOF size", "flip header", "flip data"],
                     weights=[15, 10, 25, 25, 25])[0]
    if op == "truncate":
        at = rng.randrange(len(data))
        return data[:at], {"op": op, "at": at}
    if op == "truncate structural":
        at = rng.choice([2] + [a + d for _, a, n in segments for d in (0, 4, n // 2)])
        return data[:at], {"op": op, "at": at}
    if op == "SOF size":
        sof = [s for s in segments if s[0] in (0xC0, 0xC1, 0xC2)]
        _, at, _ = sof[0]
        field = rng.choice(["height", "width", "both", "components", "precision"])
        mutant = bytearray(data)
        value = rng.choice([0, 1, 65535, 30000])
        if field in ("height", "both"):
            mutant[at + 5:at + 7] = struct.pack(">H", value)
        if field in ("width", "both"):
            mutant[at + 7:at + 9] = struct.pack(">H", value)
        if field == "components":
            mutant[at + 9] = rng.choice([0, 2, 4, 255])
        if field == "precision":
            mutant[at + 4] = rng.choice([0, 12, 16, 255])
        return bytes(mutant), {"op": op, "field": field, "value": value}
    if op == "flip header":
        end = segments[-1][1] + 2 + segments[-1][2]
        offsets = [rng.randrange(2, end) for _ in range(rng.randrange(1, 4))]
        return flip_bits(data, offsets, rng), {"op": op, "offsets": offsets}
    start = segments[-1][1] + 2 + segments[-1][2]
    at = rng.randrange(start, len(data) - 2)
    flips = [at]
    return flip_bits(data, flips, rng), {"op": op, "offset": flips, "data_flip": True}


def mutate_image(data, path, rng, seeds):
    if rng.random() < 0.03:
        other = rng.choice(seeds)
        return open(other, "rb").read(), {"op": "other kind", "file": os.path.basename(other), "layer": "other"}
    if data[:4] == b"\x89PNG":
        return mutate_png(data, rng)
    return mutate_jpeg(data, rng)


MUTATORS = {kind: mutate_hdf5 for kind in HDF5_KINDS}
MUTATORS.update(torch=mutate_torch, image=mutate_image)

# ----------------------------------------------------------------------------------------------
# Running and classifying.


# What the Swift runtime and the kernel print when a process dies (not what a path may contain).
CRASH_TEXT = re.compile(r"(^|\n)[^\n]*: Fatal error: |Program crashed|Segmentation fault|(^|\n)\*\*\* (Signal|Program)")


def classify(rc, stderr, timed_out):
    if timed_out:
        return "hang"
    if rc < 0 or CRASH_TEXT.search(stderr):
        return "crash"
    if rc == 0:
        return "ok"
    if rc in (1, 2) and re.search(r"(^|\n)vtv: ", stderr):
        return "error"
    return "crash"  # an exit without vtv's message: an abort, or a library printing and exiting


# Text of the libraries under vtv that should never reach a user (vtv's progress lines may).
LIBRARY_TEXT = re.compile(r"HDF5-DIAG|libpng|Corrupt JPEG|Premature end of JPEG|JPEG datastream|"
                          r"Error Domain=|NSCocoaErrorDomain|NSPOSIXErrorDomain|The operation could not be completed")


def noisy(stderr):
    """Whether stderr holds a library's own text (an HDF5 error stack, a codec's warning) outside
    vtv's message (which may quote a codec's reason)."""
    return any(LIBRARY_TEXT.search(line) for line in stderr.splitlines() if not line.startswith("vtv: "))


def limited(vtv, args, memory_limit):
    """The command line running vtv with its address space limited to `memory_limit` GiB (0: none),
    through sh's ulimit (preexec_fn is not safe in a threaded program)."""
    if not memory_limit:
        return [vtv] + args
    return ["/bin/sh", "-c", f'ulimit -v {int(memory_limit * 1024 * 1024)} && exec "$0" "$@"', vtv] + args


def run_reader(vtv, args, timeout, cwd, memory_limit=0):
    started = time.time()
    process = subprocess.Popen(limited(vtv, args, memory_limit), env=ENV, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        timed_out = True
    return process.returncode, err.decode("utf-8", "replace"), timed_out, time.time() - started


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def prepare_voc(directory, seed_name, mutant):
    """A VOC folder of links to the fixture's images, with the mutant in place of one file."""
    voc = os.path.join(directory, "voc")
    for sub in (VOC_IMAGES, VOC_LABELS):
        os.makedirs(os.path.join(voc, sub))
        for name in os.listdir(os.path.join(VOC, sub)):
            os.symlink(os.path.join(VOC, sub, name), os.path.join(voc, sub, name))
    target = os.path.join(voc, VOC_IMAGES if seed_name == "img.jpg" else VOC_LABELS,
                          "2008_000001" + (".jpg" if seed_name == "img.jpg" else ".png"))
    os.remove(target)
    os.symlink(mutant, target)


def one_mutant(config, kind, index):
    rng = random.Random(f"{config.seed}/{kind}/{index}")
    if config.sweep:
        item = config.sweep[kind][index]
        seed_name, readers = item[0], dict(KINDS[kind])[item[0]]
    else:
        seed_name, readers = rng.choice(KINDS[kind])
    seed_path = os.path.join(config.seed_dir, seed_name)
    others = [os.path.join(config.seed_dir, n) for n in ("M.h5", "P.h5", "A.h5", "S.h5", "TV.h5", "C.h5",
                                                          "checkpoint.pth", "img.png") if n != seed_name]
    data = open(seed_path, "rb").read()
    try:
        if config.sweep:
            mutant, description = sweep_mutant(data, item)
        else:
            mutant, description = MUTATORS[kind](data, seed_path, rng, others)
    except Exception as error:  # a mutation this seed cannot take: record, do not run
        return [{"kind": kind, "index": index, "seed": seed_name, "skipped": f"mutation failed: {error!r}"}]
    description = {k: (v if isinstance(v, (int, float, str, bool, list)) else repr(v)) for k, v in description.items()}
    directory = os.path.join(config.work, f"{kind}-{index}")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    mutant_path = os.path.join(directory, "mutant" + os.path.splitext(seed_name)[1])
    open(mutant_path, "wb").write(mutant)
    if kind == "image" and seed_name in ("img.jpg", "label.png"):
        prepare_voc(directory, seed_name, mutant_path)
    changed = mutant != data
    layer = description.get("layer", "raw")
    # Raw damage to an HDF5 file: a change after the user block (the stamp alone may change too:
    # a file whose marker is gone is read unverified, as a file from h5py).
    damaged = kind in HDF5_KINDS and layer == "raw" and mutant[USER_BLOCK:] != data[USER_BLOCK:]
    results, keep = [], False
    before = hashlib.sha1(mutant).hexdigest()
    chosen = list(readers.items())
    if config.readers and len(chosen) > config.readers:
        chosen = rng.sample(chosen, config.readers)
    for reader, template in chosen:
        if reader == "prompts build" and not os.path.exists(os.path.join(directory, "voc")):
            continue
        target = mutant_path
        if reader in REWRITES_INPUT:
            target = os.path.join(directory, "run-copy" + os.path.splitext(seed_name)[1])
            shutil.copy(mutant_path, target)
        args = [a.replace("{mut}", target).replace("{dir}", directory).replace("{seed}", config.seed_dir)
                for a in template]
        rc, err, timed_out, seconds = run_reader(config.vtv, args, config.timeout, directory, config.memory_limit)
        outcome = classify(rc, err, timed_out)
        result = {"kind": kind, "index": index, "seed": seed_name, "reader": reader, "mutation": description,
                  "layer": layer, "changed": changed, "outcome": outcome, "rc": rc, "seconds": round(seconds, 2),
                  "stderr": err[-600:]}
        if outcome == "ok" and (damaged if kind in HDF5_KINDS else description.get("data_flip")):
            result["silent"] = True
        if outcome == "error" and damaged and "corrupted" not in err:
            result["not_corrupted"] = True
        if outcome == "error" and noisy(err):
            result["noisy"] = True
        # prompts build reaches the mutant through the VOC folder's name for it.
        named = "2008_000001" if "{dir}/voc" in template else os.path.basename(target)
        if outcome == "error" and named not in err:
            result["unnamed"] = True
        if reader not in REWRITES_INPUT and digest(mutant_path) != before:
            result["wrote_input"] = True
            open(mutant_path, "wb").write(mutant)
        if outcome in ("crash", "hang") or result.get("wrote_input") or (damaged and result.get("silent")):
            keep = True
            save_replay(config, kind, index, seed_name, reader, template, mutant, description, result)
        results.append(result)
    shutil.rmtree(directory, ignore_errors=True)
    return results


def save_replay(config, kind, index, seed_name, reader, template, mutant, description, result):
    folder = os.path.join(config.out, "kept", f"{kind}-{index}-{reader.replace(' ', '_').replace('-', '')}")
    os.makedirs(folder, exist_ok=True)
    name = "mutant" + os.path.splitext(seed_name)[1]
    open(os.path.join(folder, name), "wb").write(mutant)
    json.dump(dict(result, mutation=description), open(os.path.join(folder, "result.json"), "w"), indent=1)
    # A reader that rewrites its input (the search's checkpoint) gets a copy, so the replay repeats.
    given = f'"$work/{name}"' if reader in REWRITES_INPUT else f'"$here/{name}"'
    args = [a.replace("{mut}", given).replace("{dir}", '"$work"').replace("{seed}", '"$seed"') for a in template]
    voc = f'cp "$here/{name}" "$work/{name}"\n' if reader in REWRITES_INPUT else ""
    if "{dir}/voc" in " ".join(template):
        target = "JPEGImages/2008_000001.jpg" if seed_name == "img.jpg" else "SegmentationClassAug/2008_000001.png"
        voc += (f'mkdir -p "$work/voc/VOCdevkit/VOC2012"\n'
               f'cp -r "{VOC}/VOCdevkit/VOC2012/JPEGImages" "{VOC}/VOCdevkit/VOC2012/SegmentationClassAug" '
               f'"$work/voc/VOCdevkit/VOC2012/"\n'
               f'cp "$here/{name}" "$work/voc/VOCdevkit/VOC2012/{target}"\n')
    script = ("#!/bin/sh\n# " + json.dumps(description) + "\n"
              'here=$(cd "$(dirname "$0")" && pwd)\nseed="$here/../../seed"\nwork=$(mktemp -d)\n' + voc
              + (f"# The campaign's limit on the address space (a reader allocating for a size read from the\n"
                 f"# file aborts at once instead of taking the machine's memory); remove it to see the unbounded run.\n"
                 f"ulimit -v {int(config.memory_limit * 1024 * 1024)}\n" if config.memory_limit else "") +
              f'cd "$work" && "${{VTV:-{config.vtv}}}" ' + " ".join(args) + "\n")
    path = os.path.join(folder, "replay.sh")
    open(path, "w").write(script)
    os.chmod(path, 0o755)


COLUMNS = ["mutants", "raw", "sealed", "runs", "ok", "errors", "not corrupted", "noisy", "unnamed", "crashes",
           "hangs", "silent", "wrote input"]
LAYER_COLUMNS = ["mutants", "runs", "ok", "errors", "crashes", "hangs", "silent"]
OUTCOME_COLUMN = {"ok": "ok", "error": "errors", "crash": "crashes", "hang": "hangs"}


def summarize(results, kinds):
    table, readers, layers = {}, {}, {}
    for r in results:
        if "outcome" not in r:
            continue
        for key, bucket in ((r["kind"], table), ((r["kind"], r["reader"]), readers), ((r["kind"], r["layer"]), layers)):
            row = bucket.setdefault(key, dict.fromkeys(COLUMNS, 0) | {"_mutants": set(), "_raw": set(), "_sealed": set()})
            row["_mutants"].add(r["index"])
            if r["layer"] in ("raw", "sealed"):
                row["_" + r["layer"]].add(r["index"])
            row["runs"] += 1
            row[OUTCOME_COLUMN[r["outcome"]]] += 1
            row["silent"] += bool(r.get("silent"))
            row["wrote input"] += bool(r.get("wrote_input"))
            row["noisy"] += bool(r.get("noisy"))
            row["unnamed"] += bool(r.get("unnamed"))
            row["not corrupted"] += bool(r.get("not_corrupted"))
    for bucket in (table, readers, layers):
        for row in bucket.values():
            row["mutants"], row["raw"], row["sealed"] = (len(row["_mutants"]), len(row["_raw"]), len(row["_sealed"]))
    lines = ["| kind | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    total = dict.fromkeys(COLUMNS, 0)
    for kind in kinds:
        row = table.get(kind)
        if not row:
            continue
        lines.append(f"| {kind} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
        for c in COLUMNS:
            total[c] += row[c]
    lines.append("| **all** | " + " | ".join(f"**{total[c]}**" for c in COLUMNS) + " |")
    lines += ["", "| kind / layer | " + " | ".join(LAYER_COLUMNS) + " |", "|---|" + "---:|" * len(LAYER_COLUMNS)]
    order = {"raw": 0, "sealed": 1, "other": 2}
    for (kind, layer), row in sorted(layers.items(), key=lambda x: (kinds.index(x[0][0]), order[x[0][1]])):
        lines.append(f"| {kind} / {layer} | " + " | ".join(str(row[c]) for c in LAYER_COLUMNS) + " |")
    lines += ["", "| kind / reader | " + " | ".join(COLUMNS[3:]) + " |", "|---|" + "---:|" * (len(COLUMNS) - 3)]
    for (kind, reader), row in sorted(readers.items(), key=lambda x: (kinds.index(x[0][0]), x[0][1])):
        lines.append(f"| {kind} / {reader} | " + " | ".join(str(row[c]) for c in COLUMNS[3:]) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vtv", default=os.path.join(ROOT, ".build", "release", "vtv"))
    parser.add_argument("--per-kind", type=int, default=1000, help="mutants per kind (default 1000)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default: all): " + ", ".join(KINDS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a run counts as a hang")
    parser.add_argument("--out", default="vtv-campaign", help="results, kept mutants and seeds (default ./vtv-campaign)")
    parser.add_argument("--memory-limit", type=float, default=4,
                        help="GiB of address space each vtv run may use (ulimit -v; 0: no limit; default 4): a reader "
                             "that allocates for a size read from a file aborts at once (a crash) instead of "
                             "taking the machine's memory")
    parser.add_argument("--readers", type=int, default=0,
                        help="run at most this many of a kind's readers per mutant, drawn at random (default: all)")
    parser.add_argument("--sweep-attributes", action="store_true",
                        help="instead of random mutants: every attribute of every group of the HDF5 kinds' seeds set "
                             "in turn to each of " + ", ".join(n for n, _ in SWEEP_VALUES) + ", re-sealed "
                             "(--per-kind is ignored)")
    parser.add_argument("--check-seal", nargs="+", metavar="FILE",
                        help="only check this script's attributes_checksum and CRC against files vtv wrote")
    parser.add_argument("--seal", nargs="+", metavar="FILE",
                        help="only re-seal these vtv files after an edit with h5py (attributes_checksum, then the CRC), "
                             "as the campaign does: to make a reproducer or a test file")
    config = parser.parse_args()
    if config.seal:
        for path in config.seal:
            seal_file(path)
        return 0
    if config.check_seal:
        problems = [p for path in config.check_seal for p in check_seal(path)]
        print("\n".join(problems) or f"attributes_checksum and CRC agree with vtv's on {len(config.check_seal)} files")
        return 1 if problems else 0
    kinds = [k for k in config.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds {unknown}; choose from {list(KINDS)}")
    config.vtv = os.path.abspath(config.vtv)
    config.out = os.path.abspath(config.out)
    config.seed_dir = os.path.join(config.out, "seed")
    config.work = os.path.join(config.out, "work")
    os.makedirs(config.work, exist_ok=True)
    make_seeds(config.vtv, config.seed_dir)
    # Sealing must agree with vtv before any sealed mutant means anything.
    problems = [p for name in sorted(os.listdir(config.seed_dir)) if name.endswith(".h5")
                for p in check_seal(os.path.join(config.seed_dir, name))]
    if problems:
        sys.exit("this script's seal disagrees with vtv's:\n" + "\n".join(problems))

    config.sweep = None
    if config.sweep_attributes:
        kinds = [k for k in kinds if k in HDF5_KINDS]
        config.sweep = {k: attribute_sweep(config.seed_dir, k) for k in kinds}
        jobs = [(kind, i) for kind in kinds for i in range(len(config.sweep[kind]))]
    else:
        jobs = [(kind, i) for i in range(config.per_kind) for kind in kinds]
    results, done, started = [], 0, time.time()
    log = open(os.path.join(config.out, "results.jsonl"), "w")
    with concurrent.futures.ThreadPoolExecutor(config.workers) as pool:
        futures = {pool.submit(one_mutant, config, kind, i): (kind, i) for kind, i in jobs}
        for future in concurrent.futures.as_completed(futures):
            try:
                found = future.result()
            except Exception as error:  # a fault of this script: say so, keep going
                kind, i = futures[future]
                print(f"  CAMPAIGN ERROR: {kind} #{i}: {error!r}", flush=True)
                found = [{"kind": kind, "index": i, "skipped": f"campaign error: {error!r}"}]
            for r in found:
                results.append(r)
                log.write(json.dumps(r) + "\n")
                if r.get("outcome") in ("crash", "hang") or r.get("wrote_input") or \
                        (r.get("silent") and r["kind"] in HDF5_KINDS):
                    what = "SILENT" if r["outcome"] == "ok" else r["outcome"].upper()
                    print(f"  {what}{' WROTE-INPUT' if r.get('wrote_input') else ''}: "
                          f"{r['kind']} #{r['index']} ({r['seed']}) {r['reader']}: {json.dumps(r['mutation'])[:200]}",
                          flush=True)
            done += 1
            if done % 50 == 0 or done == len(jobs):
                print(f"{done}/{len(jobs)} mutants, {time.time() - started:.0f} s", flush=True)
    log.close()
    shutil.rmtree(config.work, ignore_errors=True)
    summary = summarize(results, kinds)
    skipped = sum(1 for r in results if "skipped" in r)
    size = ("the attribute sweep" if config.sweep else f"{config.per_kind} mutants per kind")
    header = (f"vtv mutation campaign, {time.strftime('%Y-%m-%d %H:%M')}: {size}, "
              f"seed {config.seed}, timeout {config.timeout:g} s, memory limit {config.memory_limit:g} GiB, readers per mutant "
              f"{config.readers or 'all'}, {time.time() - started:.0f} s"
              + (f"; {skipped} mutations could not be applied" if skipped else "")
              + f"\n\ncommand: {' '.join(sys.argv)}\nvtv: {config.vtv} (sha1 {digest(config.vtv)[:12]})")
    open(os.path.join(config.out, "summary.md"), "w").write(header + "\n\n" + summary + "\n")
    print("\n" + header + "\n\n" + summary)
    bad = sum(1 for r in results if r.get("outcome") in ("crash", "hang") or r.get("wrote_input")
              or (r.get("silent") and r["kind"] in HDF5_KINDS))
    if bad:
        print(f"\n{bad} runs crashed, hung, wrote their input or accepted raw damage to an HDF5 file; "
              f"replay them from {config.out}/kept/*/replay.sh")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
