#!/usr/bin/python3
"""Makes the image fixtures under tests/fixtures/images/ (see the README there).

Every decoding fixture is a small odd-sized image (17x13 unless said otherwise) with a reference
RGBA array (raw bytes, row-major, alpha 255 where the file has none) produced by PIL, the decoder
torchvision users load images with, or where PIL cannot represent the file (16-bit grey, 16-bit
grey+alpha) from the numpy samples written into it. Resize and preprocessing references come from
torch.nn.functional.interpolate. Colormap references come from matplotlib.

Run from the repository root: /usr/bin/python3 scripts/make_image_fixtures.py
"""
import ctypes
import io
import json
import os
import struct
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import colormaps
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "images")
W, H = 17, 13

manifest = {"decode": [], "reject": [], "resize": [], "resize_rgb": [], "preprocess": [], "colormaps": []}


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def source_rgb(seed=0):
    """An image whose rows, columns and channels all differ, so a wrong flip or rotation shows."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:H, 0:W]
    img = np.stack([x * 15, y * 19, (x * y * 3) % 256], axis=-1).astype(np.int32)
    img = img + rng.randint(-8, 9, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def add_decode(name, file_bytes, reference_rgba, note):
    assert reference_rgba.dtype == np.uint8 and reference_rgba.shape[2] == 4
    write(name, file_bytes)
    ref_name = name + ".rgba"
    write(ref_name, reference_rgba.tobytes())
    h, w = reference_rgba.shape[:2]
    manifest["decode"].append({"file": name, "reference": ref_name, "width": w, "height": h, "note": note})


def pil_rgba(file_bytes, transpose=False):
    im = Image.open(io.BytesIO(file_bytes))
    if transpose:
        im = ImageOps.exif_transpose(im)
    return np.asarray(im.convert("RGBA"))


def opaque(rgb):
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=-1)


# ---------------------------------------------------------------- JPEG

def jpeg(im, **kw):
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def exif_segment(orientation, big_endian, malformed=False):
    """APP1 Exif segment with IFD0 = {ImageDescription (ASCII), Orientation (SHORT)}."""
    e = ">" if big_endian else "<"
    tiff = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    entries = [struct.pack(e + "HHI", 0x010E, 2, 4) + b"abc\0",
               struct.pack(e + "HHIH", 0x0112, 3, 1, orientation) + b"\0\0"]
    ifd = struct.pack(e + "H", len(entries)) + b"".join(entries) + struct.pack(e + "I", 0)
    if malformed:
        tiff = tiff[:4] + struct.pack(e + "I", 4000)  # IFD0 offset beyond the segment
    body = b"Exif\0\0" + tiff + ifd
    return b"\xFF\xE1" + struct.pack(">H", len(body) + 2) + body


def insert_after_soi(jpeg_bytes, segment):
    assert jpeg_bytes[:2] == b"\xFF\xD8"
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]


def strip_adobe(jpeg_bytes):
    pos = 2
    out = bytearray(jpeg_bytes[:2])
    while True:
        marker = jpeg_bytes[pos + 1]
        if marker == 0xDA:
            out += jpeg_bytes[pos:]
            return bytes(out)
        length = struct.unpack(">H", jpeg_bytes[pos + 2:pos + 4])[0]
        if not (marker == 0xEE and jpeg_bytes[pos + 4:pos + 9] == b"Adobe"):
            out += jpeg_bytes[pos:pos + 2 + length]
        pos += 2 + length


def turbojpeg_ycck(cmyk):
    """A YCCK JPEG: TurboJPEG converts CMYK input to YCCK (PIL can only write plain CMYK)."""
    tj = ctypes.CDLL("libturbojpeg.so.0")
    tj.tjInitCompress.restype = ctypes.c_void_p
    handle = ctypes.c_void_p(tj.tjInitCompress())
    buf = ctypes.POINTER(ctypes.c_ubyte)()
    size = ctypes.c_ulong(0)
    src = np.ascontiguousarray(cmyk)
    TJPF_CMYK, TJSAMP_444 = 11, 0
    rc = tj.tjCompress2(handle, src.ctypes.data_as(ctypes.c_void_p), W, W * 4, H, TJPF_CMYK,
                        ctypes.byref(buf), ctypes.byref(size), TJSAMP_444, 95, 0)
    assert rc == 0, "tjCompress2 failed"
    data = ctypes.string_at(buf, size.value)
    tj.tjFree(buf)
    tj.tjDestroy(handle)
    return data


def jpeg_colorspace(jpeg_bytes):
    """Adobe transform flag and component count, to assert what a fixture really is."""
    im = Image.open(io.BytesIO(jpeg_bytes))
    return im.info.get("adobe_transform"), im.layers, im.info.get("progressive", 0)


def make_jpegs():
    rgb = source_rgb(1)
    im = Image.fromarray(rgb)
    for name, kw in [("jpeg_baseline_444.jpg", dict(quality=92, subsampling=0)),
                     ("jpeg_baseline_422.jpg", dict(quality=92, subsampling=1)),
                     ("jpeg_baseline_420.jpg", dict(quality=92, subsampling=2)),
                     ("jpeg_progressive_420.jpg", dict(quality=92, subsampling=2, progressive=True)),
                     ("jpeg_restart_444.jpg", dict(quality=92, subsampling=0, restart_marker_blocks=1))]:
        data = jpeg(im, **kw)
        add_decode(name, data, pil_rgba(data), f"PIL save {kw}")
    assert jpeg_colorspace(jpeg(im, progressive=True))[2] == 1

    gray = jpeg(im.convert("L"), quality=92)
    assert Image.open(io.BytesIO(gray)).mode == "L"
    add_decode("jpeg_gray.jpg", gray, pil_rgba(gray), "8-bit greyscale JPEG")

    # CMYK as PIL writes it: plain CMYK with an Adobe segment (transform 0), inverted values.
    cmyk_im = im.convert("CMYK")
    cmyk = jpeg(cmyk_im, quality=95)
    assert jpeg_colorspace(cmyk)[:2] == (0, 4)
    add_decode("jpeg_cmyk_adobe.jpg", cmyk, pil_rgba(cmyk), "CMYK, Adobe APP14 (inverted)")

    # The same file without its Adobe segment: values are then taken as plain ink amounts, which
    # PIL (always Adobe polarity) gets wrong, so the reference is computed from PIL's CMYK data.
    stripped = strip_adobe(cmyk)
    assert b"Adobe" not in stripped
    ink_pil = np.asarray(Image.open(io.BytesIO(stripped)))  # PIL's inverted reading: 255 - stored
    stored = 255 - ink_pil.astype(np.int64)
    ink = stored
    ref = ((255 - ink[..., :3]) * (255 - ink[..., 3:4]) + 127) // 255
    add_decode("jpeg_cmyk_noadobe.jpg", stripped, opaque(ref.astype(np.uint8)),
               "CMYK without Adobe APP14: stored values are ink; R=(255-C)(255-K)/255")

    ycck_src = np.asarray(cmyk_im)  # PIL's CMYK ink values; TurboJPEG stores them as given
    ycck = turbojpeg_ycck(255 - ycck_src)  # store inverted, as the Adobe segment TurboJPEG writes says
    assert jpeg_colorspace(ycck)[:2] == (2, 4), jpeg_colorspace(ycck)
    add_decode("jpeg_ycck.jpg", ycck, pil_rgba(ycck), "YCCK (Adobe transform 2) written by TurboJPEG")

    base = jpeg(im, quality=95, subsampling=0)
    for orientation in range(1, 9):
        for big in (False, True):
            if big and orientation not in (3, 6, 8):
                continue
            data = insert_after_soi(base, exif_segment(orientation, big))
            assert Image.open(io.BytesIO(data)).getexif().get(0x0112) == orientation
            name = f"jpeg_exif_{orientation}{'_be' if big else ''}.jpg"
            add_decode(name, data, pil_rgba(data, transpose=True),
                       f"EXIF orientation {orientation}, {'big' if big else 'little'}-endian")
    bad = insert_after_soi(base, exif_segment(6, False, malformed=True))
    add_decode("jpeg_exif_malformed.jpg", bad, pil_rgba(base), "EXIF IFD0 offset out of range: ignored")


# ---------------------------------------------------------------- PNG

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_rows(samples, bit_depth):
    """samples: (h, w, channels) integer array -> list of packed scanlines (no filter byte)."""
    h, w, c = samples.shape
    rows = []
    for y in range(h):
        flat = samples[y].reshape(-1).astype(np.int64)
        if bit_depth == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            per = 8 // bit_depth
            out = bytearray((len(flat) * bit_depth + 7) // 8)
            for i, v in enumerate(flat):
                out[i // per] |= int(v) << (8 - bit_depth * (i % per + 1))
            rows.append(bytes(out))
    return rows


def png_bytes(samples, bit_depth, color_type, plte=None, trns=None, interlace=False, idat_chunks=1, exif=None):
    """A minimal PNG writer (filter 0) for every colour type, bit depth and Adam7 interlacing."""
    h, w = samples.shape[:2]
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in pack_rows(sub, bit_depth):
            raw += b"\0" + row
    comp = zlib.compress(bytes(raw), 9)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, int(interlace)))
    if plte is not None:
        out += png_chunk(b"PLTE", bytes(np.asarray(plte, np.uint8).reshape(-1)))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    if exif is not None:
        out += png_chunk(b"eXIf", exif)
    step = -(-len(comp) // idat_chunks)
    for i in range(0, len(comp), step):
        out += png_chunk(b"IDAT", comp[i:i + step])
    return out + png_chunk(b"IEND", b"")


def scale_to_8(samples, bit_depth):
    """The 8-bit value of a sample: low depths scaled exactly (x*255/(2^d-1)), 16-bit by high byte."""
    if bit_depth == 16:
        return (samples >> 8).astype(np.uint8)
    return (samples * (255 // ((1 << bit_depth) - 1))).astype(np.uint8)


def make_pngs():
    rng = np.random.RandomState(2)

    def check_and_add(name, data, expected, note, pil_ok=True):
        if pil_ok:
            got = pil_rgba(data)
            assert (got == expected).all(), f"{name}: PIL disagrees with the numpy reference"
        add_decode(name, data, expected, note)

    for depth in (1, 2, 4, 8, 16):
        for interlace in (False, True):
            if interlace and depth not in (1, 16):
                continue
            g = rng.randint(0, 1 << depth, size=(H, W, 1))
            v = scale_to_8(g, depth)
            exp = opaque(np.repeat(v, 3, axis=2))
            name = f"png_gray{depth}{'_interlaced' if interlace else ''}.png"
            # PIL opens 16-bit grey as mode I;16 and clips (not scales) when converting: numpy only.
            check_and_add(name, png_bytes(g, depth, 0, interlace=interlace), exp,
                          f"greyscale {depth}-bit", pil_ok=depth != 16)

    g = rng.randint(0, 256, size=(H, W, 1))
    g[2, 3] = g[5, 7] = 77
    exp = opaque(np.repeat(g.astype(np.uint8), 3, axis=2))
    exp[..., 3] = np.where(g[..., 0] == 77, 0, 255)
    check_and_add("png_gray8_trns.png", png_bytes(g, 8, 0, trns=struct.pack(">H", 77)), exp, "grey 8 + tRNS")

    for depth in (8, 16):
        ga = rng.randint(0, 1 << depth, size=(H, W, 2))
        exp = np.concatenate([np.repeat(scale_to_8(ga[..., :1], depth), 3, axis=2), scale_to_8(ga[..., 1:], depth)], axis=2)
        check_and_add(f"png_graya{depth}.png", png_bytes(ga, depth, 4), exp, f"grey+alpha {depth}-bit",
                      pil_ok=depth == 8)

    for depth in (8, 16):
        for interlace in (False, True):
            rgb = rng.randint(0, 1 << depth, size=(H, W, 3))
            name = f"png_rgb{depth}{'_interlaced' if interlace else ''}.png"
            check_and_add(name, png_bytes(rgb, depth, 2, interlace=interlace, idat_chunks=3),
                          opaque(scale_to_8(rgb, depth)), f"RGB {depth}-bit, 3 IDAT chunks")
    rgb = rng.randint(0, 256, size=(H, W, 3))
    rgb[4, 4] = rgb[8, 10] = (10, 20, 30)
    exp = opaque(rgb.astype(np.uint8))
    exp[..., 3] = np.where((rgb == (10, 20, 30)).all(axis=2), 0, 255)
    check_and_add("png_rgb8_trns.png", png_bytes(rgb, 8, 2, trns=struct.pack(">HHH", 10, 20, 30)), exp,
                  "RGB 8 + tRNS colour key")

    for depth in (8, 16):
        for interlace in (False, True):
            rgba = rng.randint(0, 1 << depth, size=(H, W, 4))
            rgba[0, :, 3] = 0
            rgba[1, :, 3] = (1 << depth) - 1
            name = f"png_rgba{depth}{'_interlaced' if interlace else ''}.png"
            check_and_add(name, png_bytes(rgba, depth, 6, interlace=interlace), scale_to_8(rgba, depth),
                          f"RGBA {depth}-bit")

    for depth in (1, 2, 4, 8):
        for with_trns in (False, True):
            n = 1 << depth
            plte = rng.randint(0, 256, size=(n, 3))
            idx = rng.randint(0, n, size=(H, W, 1))
            exp = opaque(plte[idx[..., 0]].astype(np.uint8))
            trns = None
            if with_trns:
                alphas = rng.randint(0, 256, size=max(1, n // 2))  # shorter than the palette: rest opaque
                alphas[0] = 0
                trns = bytes(alphas.astype(np.uint8))
                full = np.concatenate([alphas, np.full(n - len(alphas), 255)])
                exp[..., 3] = full[idx[..., 0]]
            name = f"png_palette{depth}{'_trns' if with_trns else ''}.png"
            check_and_add(name, png_bytes(idx, depth, 3, plte=plte, trns=trns, interlace=depth == 4),
                          exp, f"palette {depth}-bit{' + tRNS' if with_trns else ''}")


def make_png_exif():
    rgb = source_rgb(7).astype(np.int64)
    for orientation, big in [(6, True), (3, False), (8, False)]:
        tiff = exif_segment(orientation, big)[10:]  # the TIFF structure without APP1 header and "Exif\0\0"
        data = png_bytes(rgb, 8, 2, exif=tiff)
        assert Image.open(io.BytesIO(data)).getexif().get(0x0112) == orientation
        add_decode(f"png_exif_{orientation}{'_be' if big else ''}.png", data, pil_rgba(data, transpose=True),
                   f"PNG eXIf orientation {orientation}")


# ---------------------------------------------------------------- files that must be rejected

def make_rejects():
    ok_png = png_bytes(np.zeros((2, 2, 3), np.int64), 8, 2)
    huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)) \
        + ok_png[ok_png.index(b"IDAT") - 4:]
    write("reject_png_huge.png", huge)
    manifest["reject"].append({"file": "reject_png_huge.png", "reason": "60000x60000 header"})

    base = bytearray(jpeg(Image.fromarray(source_rgb(3)), quality=90))
    sof = base.index(b"\xFF\xC0")
    base[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
    write("reject_jpeg_huge.jpg", bytes(base))
    manifest["reject"].append({"file": "reject_jpeg_huge.jpg", "reason": "60000x60000 SOF0"})

    bad_crc = bytearray(ok_png)
    bad_crc[ok_png.index(b"IDAT") + 6] ^= 0xFF
    write("reject_png_bad_crc.png", bytes(bad_crc))
    manifest["reject"].append({"file": "reject_png_bad_crc.png", "reason": "IDAT data altered, CRC mismatch"})

    gif = Image.fromarray(source_rgb(4)).convert("P")
    buf = io.BytesIO()
    gif.save(buf, "GIF")
    write("reject_gif.gif", buf.getvalue())
    manifest["reject"].append({"file": "reject_gif.gif", "reason": "GIF is not supported"})


# ---------------------------------------------------------------- resize and preprocessing

def f32(name, array):
    write(name, np.ascontiguousarray(array, dtype="<f4").tobytes())


def make_resize():
    gen = torch.Generator().manual_seed(5)
    cases = [(7, 7, 224, 224), (14, 14, 37, 41), (5, 3, 2, 9), (13, 17, 4, 5), (1, 1, 3, 3),
             (2, 2, 2, 2), (3, 5, 1, 1), (9, 4, 9, 11), (6, 6, 5, 7)]
    for i, (sh, sw, dh, dw) in enumerate(cases):
        src = torch.randn(1, 1, sh, sw, generator=gen) * 3
        out = F.interpolate(src, size=(dh, dw), mode="bilinear", align_corners=False)
        f32(f"resize_{i}_in.f32", src[0, 0].numpy())
        f32(f"resize_{i}_out.f32", out[0, 0].numpy())
        manifest["resize"].append({"input": f"resize_{i}_in.f32", "output": f"resize_{i}_out.f32",
                                   "srcH": sh, "srcW": sw, "dstH": dh, "dstW": dw})

    rgb = source_rgb(6)
    Image.fromarray(rgb).save(os.path.join(OUT, "preprocess_source.png"))
    x = torch.from_numpy(rgb).permute(2, 0, 1).float()[None]
    for dw, dh in [(11, 9), (32, 24), (17, 13)]:
        y = F.interpolate(x, size=(dh, dw), mode="bilinear", align_corners=False)
        u8 = torch.round(y).clamp(0, 255).to(torch.uint8)[0].permute(1, 2, 0).numpy()
        name = f"resize_rgb_{dw}x{dh}.rgb"
        write(name, u8.tobytes())
        manifest["resize_rgb"].append({"image": "preprocess_source.png", "width": dw, "height": dh, "output": name})

    for dw, dh, mean, std in [(11, 9, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
                              (32, 24, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
                              (20, 30, [0.5, 0.25, 0.125], [0.5, 0.3, 0.7])]:
        y = F.interpolate(x, size=(dh, dw), mode="bilinear", align_corners=False) / 255
        y = (y - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
        name = f"preprocess_{dw}x{dh}.f32"
        f32(name, y[0].numpy())
        manifest["preprocess"].append({"image": "preprocess_source.png", "width": dw, "height": dh,
                                       "mean": mean, "std": std, "output": name})


def make_colormaps():
    values = np.linspace(-0.1, 1.1, 1201, dtype=np.float32)
    f32("colormap_values.f32", values)
    for name in ("jet", "turbo"):
        rgb = colormaps[name](values, bytes=True)[:, :3]
        write(f"colormap_{name}.rgb", rgb.tobytes())
        manifest["colormaps"].append({"name": name, "values": "colormap_values.f32", "output": f"colormap_{name}.rgb"})


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f != "README.md":
            os.remove(os.path.join(OUT, f))
    make_jpegs()
    make_pngs()
    make_png_exif()
    make_rejects()
    make_resize()
    make_colormaps()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total} bytes in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
