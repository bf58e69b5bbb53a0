"""Reads a file written by vtv's Storage (see H5pyInteropTests) with h5py and checks every value,
dtype and attribute. Exits non-zero with a message on the first mismatch."""
import sys

import h5py
import numpy as np


def expect(cond, what):
    if not cond:
        print(f"MISMATCH: {what}")
        sys.exit(1)


with h5py.File(sys.argv[1], "r") as f:
    a = f["floats"]
    expect(a.dtype == np.float32 and a.shape == (3, 4), f"floats dtype/shape {a.dtype} {a.shape}")
    expect(np.array_equal(a[()], np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5), "floats values")
    expect(f["group/doubles"].dtype == np.float64 and np.array_equal(f["group/doubles"][()], [np.pi, -2]), "doubles")
    expect(f["group/int32"].dtype == np.int32 and f["group/int32"].shape == (2, 1), "int32 dtype/shape")
    expect(f["group/int32"][()].ravel().tolist() == [-7, 9], "int32 values")
    expect(f["int64"].dtype == np.int64 and f["int64"].shape == () and f["int64"][()] == 1 << 40, "int64 scalar")
    b = f["bytes"]
    expect(b.dtype == np.uint8 and b.compression == "gzip" and b[()].ravel().tolist() == list(range(6)), "gzip bytes")
    expect(f.attrs["name"] == "vtv ✓", f"string attribute {f.attrs['name']!r}")
    expect(a.attrs["count"] == 3 and a.attrs["scale"] == 0.25, "numeric attributes")
    g = f["group"]
    expect([str(t) for t in g.attrs["tasks"]] == ["segmentation", "inpaint"], f"string array {g.attrs['tasks']!r}")
    expect(g.attrs["dims"].tolist() == [14, 14] and g.attrs["eps"].tolist() == [1e-6, 2], "numeric arrays")
print("h5py read every value, dtype and attribute")
