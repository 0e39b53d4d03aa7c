"""Encoding and artwork for engine songs: MP3/WAV in memory, decoding uploads, cover art and MP4 video."""

from __future__ import annotations

import colorsys
import hashlib
import io
import os
import subprocess
import tempfile
import wave

import lameenc
import miniaudio
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from engine.music.composer import pick_genre
from engine.words import cover_text

LAME_DELAY_SAMPLES = 1105  # encoder start delay that decoders keep: trim it before cutting our own MP3s


def _stereo(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[1] == 1:
        a = np.repeat(a, 2, axis=1)
    return a[:, :2]


def _pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(_stereo(audio), -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def mp3_encoder(sample_rate: int, *, bitrate: int = 192, quality: int = 5) -> lameenc.Encoder:
    """A stereo MP3 encoder: encode(16-bit PCM bytes) as often as wanted (the same stream as one call), then
    flush(). quality: 2 (best, slowest) .. 7 (fastest)."""
    enc = lameenc.Encoder()
    enc.set_bit_rate(int(bitrate))
    enc.set_in_sample_rate(int(sample_rate))
    enc.set_channels(2)
    enc.set_quality(int(quality))
    return enc


def encode_mp3(audio: np.ndarray, sample_rate: int, *, bitrate: int = 192, quality: int = 5) -> bytes:
    """Stereo float32 -> MP3 bytes. quality: 2 (best, slowest) .. 7 (fastest)."""
    enc = mp3_encoder(sample_rate, bitrate=bitrate, quality=quality)
    return bytes(enc.encode(_pcm16(audio))) + bytes(enc.flush())


def encode_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(_pcm16(audio))
    return buf.getvalue()


def _info(data: bytes) -> miniaudio.SoundFileInfo:
    """Sniff the container from its magic bytes; anything else is tried as MP3."""
    head = data[:4]
    if head == b"RIFF":
        return miniaudio.wav_get_info(data)
    if head == b"fLaC":
        return miniaudio.flac_get_info(data)
    if head == b"OggS":
        return miniaudio.vorbis_get_info(data)
    return miniaudio.mp3_get_info(data)


def decode_audio(data: bytes, *, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """MP3/WAV/FLAC/OGG bytes -> (float32 (n, 2), rate). Mono is duplicated to both sides.

    The rate is the file's own unless sample_rate asks for another (miniaudio resamples while decoding).
    """
    rate = sample_rate or _info(data).sample_rate
    fmt = miniaudio.SampleFormat.FLOAT32
    decoded = miniaudio.decode(data, output_format=fmt, nchannels=2, sample_rate=rate)
    samples = np.frombuffer(decoded.samples, dtype=np.float32).reshape(-1, 2)
    return samples.copy(), int(decoded.sample_rate)


def audio_duration(data: bytes) -> float:
    info = _info(data)
    return float(info.num_frames) / float(info.sample_rate)


# --- cover art ----------------------------------------------------------------------------------------------

_PALETTES = {  # background dark, background light, accent colours
    "metal": ("#07070a", "#2a0d0f", ("#b3121b", "#e8e8ec", "#5b5f6a", "#ff4d2e")),
    "punk": ("#111111", "#ff2e88", ("#f7ff00", "#00e5ff", "#ffffff", "#ff2e88")),
    "lofi": ("#2b1e3f", "#f4a98a", ("#ffd3a5", "#fd6f96", "#6f69ac", "#95dac1")),
    "edm": ("#05021a", "#3a0ca3", ("#00f5ff", "#ff00e5", "#7b2ff7", "#f9f871")),
    "trap": ("#0b0614", "#3c1361", ("#c9a227", "#8e44ad", "#f5f5f5", "#52057b")),
    "ambient": ("#0f2027", "#2c5364", ("#a8e6cf", "#dcedc1", "#88d8f0", "#f1f6f9")),
    "ballad": ("#3d1d2e", "#e8b4b8", ("#f7e1d7", "#c98b9b", "#edafb8", "#fff5e1")),
    "pop": ("#ff5e7e", "#ffc75f", ("#ffffff", "#845ec2", "#00c9a7", "#f9f871")),
    "rock": ("#1b1b1b", "#c0392b", ("#f39c12", "#ecf0f1", "#e67e22", "#7f8c8d")),
    "default": ("#141e30", "#243b55", ("#f8b195", "#f67280", "#c06c84", "#6c5b7b")),
}


def _rgb(hex_colour: str, hue_shift: float = 0.0) -> tuple[int, int, int]:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    r, g, b = colorsys.hls_to_rgb((h + hue_shift) % 1.0, lum, s)
    return int(r * 255), int(g * 255), int(b * 255)


def _background(rng: np.random.Generator, size: int, dark: tuple, light: tuple, accents: list) -> Image.Image:
    """Diagonal gradient plus a few huge soft colour blobs, computed small and upscaled (fast and smooth)."""
    s = 96
    yy, xx = np.mgrid[0:s, 0:s] / (s - 1)
    angle = rng.uniform(0, 2 * np.pi)
    t = np.clip(0.5 + (np.cos(angle) * (xx - 0.5) + np.sin(angle) * (yy - 0.5)), 0, 1)[..., None]
    img = np.array(dark, float) * (1 - t) + np.array(light, float) * t
    for colour in rng.permutation(np.array(accents, float))[:3]:
        cx, cy, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.18, 0.4)
        w = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None] * rng.uniform(0.35, 0.6)
        img = img * (1 - w) + colour * w
    small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    return small.resize((size, size), Image.Resampling.BICUBIC)


def _motif(draw: ImageDraw.ImageDraw, genre: str, rng: np.random.Generator, size: int, accents: list) -> None:
    """Genre shapes: shards for metal, zine blocks for punk, a striped sun for lofi, rings for EDM..."""
    u = size / 100.0

    def colour(alpha: int) -> tuple:
        return (*accents[int(rng.integers(len(accents)))], alpha)

    if genre == "metal":
        cx, cy = size * rng.uniform(0.35, 0.65), size * rng.uniform(0.3, 0.5)
        for _ in range(22):
            a, spread, r = rng.uniform(0, 2 * np.pi), rng.uniform(0.04, 0.16), rng.uniform(25, 75) * u
            pts = [
                (cx, cy),
                (cx + r * np.cos(a - spread), cy + r * np.sin(a - spread)),
                (cx + r * 1.15 * np.cos(a), cy + r * 1.15 * np.sin(a)),
                (cx + r * np.cos(a + spread), cy + r * np.sin(a + spread)),
            ]
            draw.polygon(pts, fill=colour(int(rng.integers(90, 220))))
    elif genre == "punk":
        for _ in range(9):
            w, h = rng.uniform(15, 55) * u, rng.uniform(8, 30) * u
            x, y, a = rng.uniform(-5, 90) * u, rng.uniform(-5, 80) * u, rng.uniform(-0.35, 0.35)
            corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
            cos, sin = np.cos(a), np.sin(a)
            pts = [(x + px * cos - py * sin, y + px * sin + py * cos) for px, py in corners]
            draw.polygon(pts, fill=colour(235))
        step = 4.2 * u
        for gx in np.arange(step / 2, size, step):
            for gy in np.arange(step / 2, size * 0.6, step):
                r = step * 0.42 * (1 - gy / (size * 0.6))
                draw.ellipse((gx - r, gy - r, gx + r, gy + r), fill=(0, 0, 0, 110))
    elif genre == "lofi":
        cx, cy, r = size * 0.5, size * rng.uniform(0.38, 0.48), rng.uniform(22, 30) * u
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour(255))
        for i in range(7):
            y = cy + r * (0.1 + 0.13 * i)
            draw.rectangle((cx - r - 2, y, cx + r + 2, y + (1.2 + 0.45 * i) * u), fill=(0, 0, 0, 0))
        for k in range(3):
            base = size * (0.66 + 0.07 * k)
            pts = [(x, base + np.sin(x / size * 6 + k) * 3 * u) for x in np.linspace(0, size, 40)]
            draw.polygon([*pts, (size, size), (0, size)], fill=colour(140 + 30 * k))
    elif genre in ("edm", "trap"):
        cx, cy = size * 0.5, size * rng.uniform(0.35, 0.45)
        for i in range(14):
            r = (6 + i * 3.4) * u
            shape = draw.ellipse if genre == "edm" else draw.regular_polygon
            if genre == "edm":
                shape((cx - r, cy - r, cx + r, cy + r), outline=colour(220 - i * 12), width=int(0.7 * u + 1))
            else:
                shape((cx, cy, r), 4, rotation=45, outline=colour(220 - i * 12), width=int(0.7 * u + 1))
        for i in range(12):  # perspective floor grid
            y = size * 0.7 + (i**1.7) * 0.35 * u
            draw.line((0, y, size, y), fill=colour(120), width=max(1, int(0.3 * u)))
        for x in np.linspace(-size, 2 * size, 19):
            draw.line((cx, size * 0.7, x, size), fill=colour(110), width=max(1, int(0.3 * u)))
    elif genre == "rock":
        for i in range(6):
            off = (i * 14 - 20) * u
            stripe = [(off, size), (off + 10 * u, size), (off + 60 * u, 0), (off + 50 * u, 0)]
            draw.polygon(stripe, fill=colour(170))
    else:  # pop, ballad, ambient, default: soft orbs and rings, with bolder shapes for pop
        bold = genre == "pop"
        for _ in range(7 if bold else 5):
            r = rng.uniform(6, 24) * u
            x, y = rng.uniform(10, 90) * u, rng.uniform(8, 65) * u
            if bold or rng.random() < 0.5:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=colour(230 if bold else 90))
            draw.ellipse(
                (x - r * 1.3, y - r * 1.3, x + r * 1.3, y + r * 1.3),
                outline=colour(160),
                width=max(1, int(0.4 * u)),
            )


def _blur(img: Image.Image, radius: float) -> Image.Image:
    """Blur in premultiplied alpha, otherwise transparent black bleeds dark fringes into the shapes."""
    return img.convert("RGBa").filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")


def title_block(img: Image.Image, title: str, tags: str, size: int) -> Image.Image:
    """Title (up to three lines, CJK or Latin) and the style line over a darkened bottom band."""
    u = size / 100.0
    width = 88 * u  # 6 u margins on both sides
    title_font, tag_font = cover_text.font(int(7.2 * u)), cover_text.font(int(3.0 * u))
    title_lines = cover_text.wrap(cover_text.drawable(title), title_font, width)
    lines = cover_text.fit(title_lines, title_font, width, most=3)
    tag_text = cover_text.shorten(cover_text.drawable(tags).upper(), tag_font, width)
    if not lines and not tag_text:
        return img
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    shade = np.linspace(0, 190, int(size * 0.45)).astype(np.uint8)  # darken the bottom so text reads anywhere
    band = Image.fromarray(np.repeat(shade[:, None], size, axis=1))
    overlay.paste((0, 0, 0, 255), (0, size - band.height), band)
    draw = ImageDraw.Draw(overlay)
    baseline = size - (12.5 if tag_text else 7.0) * u  # text sits on baselines: CJK and Latin line up
    for line in reversed(lines):
        draw.text(
            (6 * u + 0.35 * u, baseline + 0.35 * u), line, font=title_font, fill=(0, 0, 0, 140), anchor="ls"
        )
        draw.text((6 * u, baseline), line, font=title_font, fill=(255, 255, 255, 255), anchor="ls")
        baseline -= 8.8 * u
    if tag_text:
        draw.text((6.2 * u, size - 5.6 * u), tag_text, font=tag_font, fill=(255, 255, 255, 210), anchor="ls")
        rule = (6.2 * u, size - 10.0 * u, 20 * u, size - 10.0 * u)
        draw.line(rule, fill=(255, 255, 255, 200), width=max(1, int(0.35 * u)))
    return Image.alpha_composite(img, overlay)


def render_cover(*, title: str, tags: str, seed: int, size: int = 1024, genre: str | None = None) -> bytes:
    """Deterministic abstract cover (JPEG): palette and shapes follow the genre, layout follows the seed.

    genre: the genre the song really has, when it is not the one its tags name (continuations, uploads,
    negative tags).
    """
    genre = genre or pick_genre(tags)
    digest = hashlib.sha256(f"{title}|{tags}|{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    dark, light, accents = _PALETTES.get(genre, _PALETTES["default"])
    shift = rng.uniform(-0.04, 0.04)
    acc = [_rgb(c, shift) for c in accents]
    img = _background(rng, size, _rgb(dark, shift), _rgb(light, shift), acc).convert("RGBA")
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    _motif(ImageDraw.Draw(layer), genre, rng, size, acc)
    if genre in ("ambient", "ballad", "lofi", "default"):
        layer = _blur(layer, size / 300)
    glow = _blur(layer.resize((size // 8, size // 8)), 3).resize((size, size))
    img = Image.alpha_composite(Image.alpha_composite(img, glow), layer)
    img = title_block(img, title, tags, size).convert("RGB")
    grain = rng.normal(0, 6, (size, size, 1)).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    vignette = (1 - 0.55 * (xx**2 + yy**2))[..., None]
    out = np.clip(np.asarray(img, np.float32) * vignette + grain, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=88, optimize=True)
    return buf.getvalue()


# --- video --------------------------------------------------------------------------------------------------


def render_video(*, cover_jpeg: bytes, mp3: bytes, duration: float) -> bytes:
    """Still-image MP4 (H.264 + AAC). -t bounds the length: a looped image with -shortest overshoots."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory(prefix="engine-video-") as tmp:
        cover, audio, out = (os.path.join(tmp, n) for n in ("cover.jpg", "audio.mp3", "out.mp4"))
        with open(cover, "wb") as f:
            f.write(cover_jpeg)
        with open(audio, "wb") as f:
            f.write(mp3)
        millis = max(100, int(round(float(duration) * 1000)))
        # ~2 fps, nudged so a whole number of frames spans exactly the duration (the last frame would
        # otherwise stretch the video past the audio)
        fps = f"{max(1, round(millis / 500)) * 1000}/{millis}"
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-loop",
            "1",
            "-framerate",
            fps,
            "-i",
            cover,
            "-i",
            audio,
            "-t",
            f"{millis / 1000:.3f}",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-vf",
            "scale=720:720,format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "stillimage",
            "-r",
            fps,
            "-g",
            "20",
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-movflags",
            "+faststart",
            out,
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        with open(out, "rb") as f:
            return f.read()
