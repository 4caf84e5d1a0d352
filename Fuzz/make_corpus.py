#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into Fuzz/corpus/<target>/.

Seeds are small: copies of the committed fixtures (good and bad) and
hand-made edge cases of each format. Only the Python standard library is
used; run from anywhere:  python3 Fuzz/make_corpus.py
The output is deterministic (fixed zip dates), so re-running it changes
nothing unless the fixtures changed. Files that libFuzzer adds while
fuzzing are not committed (run.sh fuzzes into a scratch copy).
"""
import io
import json
import shutil
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
CORPUS = HERE / "corpus"


def npy(header, data=b"", version=1):
    """An .npy with `header` (a dict literal, padded like NumPy) and `data`."""
    text = header.encode("utf-8" if version == 3 else "latin-1")
    prefix = 10 if version == 1 else 12
    pad = (64 - (prefix + len(text) + 1) % 64) % 64
    text = text + b" " * pad + b"\n"
    length = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + data


def safetensors(header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def copy(target, relative):
    write(target, relative.replace("/", "_"), (FIXTURES / relative).read_bytes())


def npy_seeds():
    for path in sorted((FIXTURES / "npy").glob("*.npy")):
        copy("npy", f"npy/{path.name}")
    for path in sorted((FIXTURES / "bad").glob("*.npy")):
        copy("npy", f"bad/{path.name}")
    f4 = struct.pack("<6f", *range(6))
    write("npy", "shape_without_comma.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", f4))
    write("npy", "python2_long.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", f4))
    write("npy", "keys_reordered_double_quotes.npy", npy('{"shape": (3, 2), "fortran_order": True, "descr": "<f4"}', f4))
    write("npy", "big_endian_fortran_f8.npy", npy("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3, 1), }", struct.pack(">6d", *range(6))))
    write("npy", "v2_header.npy", npy("{'descr': '<i2', 'fortran_order': False, 'shape': (4,), }", struct.pack("<4h", 1, -2, 3, -4), version=2))
    write("npy", "v3_unicode_header.npy", npy("{'descr': '<u2', 'fortran_order': False, 'shape': (2,), } # \u00e9\u4e2d", b"\x01\x00\x02\x00", version=3))
    write("npy", "empty_axis.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }"))
    write("npy", "scalar_bool.npy", npy("{'descr': '|b1', 'fortran_order': False, 'shape': (), }", b"\x01"))
    write("npy", "bf16_void.npy", npy("{'descr': '|V2', 'fortran_order': False, 'shape': (2, 2), }", b"\x80\x3f" * 4))
    write("npy", "trailing_bytes.npy", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", b"abcdef"))
    write("npy", "escapes.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x\\'y\\n': None}", b"\0\0\0\0"))
    write("npy", "structured.npy", npy("{'descr': [('a', '<f4'), ('b', [('c', '<i4')])], 'fortran_order': False, 'shape': (1,), }", b"\0" * 8))
    write("npy", "nested_lists.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': ((1, [2, {3: 4}]),), }"))
    write("npy", "negative_dimension.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }"))
    write("npy", "huge_dimensions.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 2), }"))
    write("npy", "magic_only.npy", b"\x93NUMPY")
    write("npy", "v1_length_past_end.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'")


def npz_seeds():
    copy("npz", "npy/positional.npz")
    copy("npz", "torch_mlp/model_compressed.npz")
    copy("npz", "torch_mlp/model.npz")
    copy("npz", "bad/npz_not_zip.npz")
    f4 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", struct.pack("<2f", 1, 2))
    f8 = npy("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 2), }", struct.pack(">4d", 1, 2, 3, 4))
    write("npz", "stored_two_members.npz", zip_bytes([("a.npy", f4), ("b.npy", f8)]))
    write("npz", "deflated_two_members.npz", zip_bytes([("a.npy", f4), ("b.npy", f8)], zipfile.ZIP_DEFLATED))
    write("npz", "empty.npz", zip_bytes([]))
    write("npz", "text_member.npz", zip_bytes([("readme.txt", b"not an array")]))
    write("npz", "folder_member.npz", zip_bytes([("dir/", b""), ("dir/a.npy", f4)]))
    write("npz", "truncated_member.npz", zip_bytes([("w.npy", f4[:-3])], zipfile.ZIP_DEFLATED))
    whole = zip_bytes([("a.npy", f4)])
    write("npz", "cut_in_half.npz", whole[: len(whole) // 2])


def safetensors_seeds():
    for relative in ["torch_mlp/model.safetensors", "torch_mlp_bf16/model.safetensors", "torch_mlp_f16/model.safetensors"]:
        copy("safetensors", relative)
    for path in sorted((FIXTURES / "bad").glob("*.safetensors")):
        copy("safetensors", f"bad/{path.name}")
    write("safetensors", "empty_header.safetensors", safetensors({}, b""))
    write("safetensors", "metadata_only.safetensors", safetensors({"__metadata__": {"format": "pt"}}, b""))
    write("safetensors", "scalar_and_empty.safetensors", safetensors(
        {"s": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]},
         "e": {"dtype": "I32", "shape": [0, 3], "data_offsets": [8, 8]}}, struct.pack("<d", 2.5)))
    write("safetensors", "header_order_differs.safetensors", safetensors(
        {"b": {"dtype": "U8", "shape": [2], "data_offsets": [4, 6]},
         "a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\x80\x3f\x00\x40\x07\x09"))
    write("safetensors", "every_dtype.safetensors", safetensors(
        {"bool": {"dtype": "BOOL", "shape": [1], "data_offsets": [0, 1]},
         "i8": {"dtype": "I8", "shape": [1], "data_offsets": [1, 2]},
         "i16": {"dtype": "I16", "shape": [1], "data_offsets": [2, 4]},
         "u32": {"dtype": "U32", "shape": [1], "data_offsets": [4, 8]},
         "i64": {"dtype": "I64", "shape": [1], "data_offsets": [8, 16]},
         "u64": {"dtype": "U64", "shape": [1], "data_offsets": [16, 24]},
         "f16": {"dtype": "F16", "shape": [1], "data_offsets": [24, 26]},
         "u16": {"dtype": "U16", "shape": [1], "data_offsets": [26, 28]}}, bytes(range(28))))
    write("safetensors", "fp8_dtype.safetensors", safetensors(
        {"a": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}, b"\0" * 4))
    write("safetensors", "shape_overflow.safetensors", safetensors(
        {"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}, b"\0" * 4))
    write("safetensors", "gap.safetensors", safetensors(
        {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8))
    write("safetensors", "float_offsets.safetensors", safetensors(
        {"a": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4.5]}}, b"\0" * 4))
    write("safetensors", "size_only.safetensors", struct.pack("<Q", 2) + b"{")


SPEC_CNN_JSON = {
    "layout": "torch", "input_shape": [1, 8, 8],
    "layers": [
        {"name": "conv1", "op": "conv2d", "weight": "0.weight", "bias": "0.bias", "stride": [1, 1], "padding": "same"},
        {"name": "bn1", "op": "batchnorm", "weight": "1.weight", "bias": "1.bias",
         "running_mean": "1.running_mean", "running_var": "1.running_var", "eps": 1e-5},
        {"op": "leaky_relu", "alpha": 0.2},
        {"op": "avg_pool2d", "kernel_size": [2, 2], "stride": 2, "padding": 0, "count_include_pad": False},
        {"name": "conv2", "op": "conv2d", "weight": "4.weight", "bias": "4.bias", "padding": [1, 1, 1, 1], "dilation": 1},
        {"op": "relu"},
        {"op": "reshape", "shape": [-1]},
        {"name": "fc", "op": "linear", "weight": "7.weight", "bias": "7.bias"},
    ],
    "outputs": ["fc"],
}

SPEC_SKIP_JSON = {
    "layers": [
        {"name": "fc1", "op": "linear", "weight": "fc1.weight", "bias": "fc1.bias"},
        {"op": "prelu", "weight": "fc1.bias"},
        {"name": "fc2", "op": "linear", "weight": "fc2.weight"},
        {"name": "cat", "op": "concatenate", "inputs": ["input", "fc2"], "axis": 0},
        {"name": "add", "op": "add", "inputs": ["input", "fc2"]},
        {"op": "identity"}, {"op": "dropout"},
        {"name": "fc3", "op": "linear", "weight": "fc3.weight", "bias": "fc3.bias", "inputs": ["add"]},
    ],
}


def spec_seeds():
    for path in sorted(FIXTURES.glob("*/spec.yaml")):
        copy("spec", f"{path.parent.name}/spec.yaml")
    write("spec", "cnn_every_option.json", json.dumps(SPEC_CNN_JSON, indent=1))
    write("spec", "skip_concat_prelu.json", json.dumps(SPEC_SKIP_JSON))
    write("spec", "resnet_global_pool.yaml", (FIXTURES / "torch_resnet/spec.yaml").read_text()
          .replace("op: avg_pool2d, kernel_size: 6, stride: 6", "op: global_avg_pool2d"))
    write("spec", "keras_layout_flow.yaml",
          "layout: keras\ninput_shape: [8, 8, 1]\nlayers:\n"
          "  - name: conv1\n    op: conv2d\n    weight: 0.weight\n    groups: 1\n    padding: valid\n"
          "  - {op: global_max_pool2d}\n  - {op: flatten}\n")
    write("spec", "missing_tensor.yaml", "layers:\n  - {name: fc, op: linear, weight: nope.weight}\n")
    write("spec", "anchors_and_tags.yaml",
          "layout: &l torch\ninput_shape: !!seq [4]\nlayers:\n"
          "  - &fc {name: fc1, op: linear, weight: '0.weight', bias: \"0.bias\"}\n"
          "  - {op: relu}\n  - {<<: *fc, name: fc2, weight: 2.weight, bias: 2.bias}\n")
    write("spec", "flow_scalars.yaml", "{layout: torch, layers: [{op: linear, weight: 0.weight, name: 7}, {op: tanh}], outputs: [7]}\n")


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    npy_seeds()
    npz_seeds()
    safetensors_seeds()
    spec_seeds()
    for target in sorted(CORPUS.iterdir()):
        files = list(target.iterdir())
        print(f"{target.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
