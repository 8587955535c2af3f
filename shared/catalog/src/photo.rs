//! Perceptual photo hashes: the same picture re-encoded, resized, re-coloured slightly or lightly
//! cropped gets a hash a few bits away from the original, where unrelated pictures differ in about
//! half of their 64 bits. Dealers repost one car's photos in several channels, each time through
//! Telegram's re-compression: identical bytes catch none of those, a perceptual hash does.
//!
//! - [`perceptual_hash`]: the photo is decoded (JPEG, which is what Telegram serves photos as; at most [`MAX_SIDE`] pixels a
//!   side and [`MAX_DECODE_BYTES`] of memory, so a crafted file cannot exhaust the function), shrunk
//!   to a 64×64 thumbnail, and hashed by `image_hasher`'s gradient hash (dHash, 8×8 = 64 bits).
//! - [`NEAR_DUPLICATE_BITS`]: two hashes at most this far apart (Hamming distance) are the same
//!   picture. Chosen from distances measured over generated pictures and their edits (see
//!   docs/catalog-parser.md): re-compression, a 60% resize, a corner watermark and a 2% crop stayed
//!   within 7 bits, brightening within 9 (5 for 99%); a 4% crop reached 13; about one pair in
//!   20,000 different pictures came within 7. A larger crop or a collage is not caught.
//! - [`bands`]: the hash cut into [`BANDS`] pieces. Two hashes within [`NEAR_DUPLICATE_BITS`] agree
//!   exactly on at least one piece (pigeonhole: fewer differing bits than pieces), so a store finds
//!   every candidate by exact lookups of the pieces and then checks the whole distance.

use std::io::Cursor;

use image_hasher::{FilterType, HashAlg, HasherConfig};

/// Two photos whose hashes differ in at most this many bits are near-duplicates.
pub const NEAR_DUPLICATE_BITS: u32 = 7;
/// How many pieces of 8 bits [`bands`] cuts a hash into: more than [`NEAR_DUPLICATE_BITS`].
pub const BANDS: usize = 8;
const _: () = assert!(BANDS > NEAR_DUPLICATE_BITS as usize);
/// The largest width or height decoded (Telegram's photos are at most 2,560 pixels a side).
pub const MAX_SIDE: u32 = 5_000;
/// The most memory a decode may take: the Lambdas have 256 MB in all.
pub const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// The photo's 64-bit perceptual hash, or None when the bytes are not a photo this can decode.
pub fn perceptual_hash(bytes: &[u8]) -> Option<u64> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().ok()?;
    // A 64×64 thumbnail first (a box filter over every pixel): the hash's own resize works on
    // that instead of on megapixels.
    let small = image::imageops::thumbnail(&img.to_luma8(), 64, 64);
    let hasher = HasherConfig::with_bytes_type::<[u8; 8]>()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Gradient)
        .resize_filter(FilterType::Triangle)
        .to_hasher();
    let hash = hasher.hash_image(&small);
    Some(u64::from_be_bytes(*hash.as_bytes().first_chunk::<8>()?))
}

/// How many bits two hashes differ in.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Whether two hashes are the same picture.
pub fn near_duplicate(a: u64, b: u64) -> bool {
    distance(a, b) <= NEAR_DUPLICATE_BITS
}

/// The hash as 16 hex digits (how it is stored).
pub fn to_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

pub fn from_hex(s: &str) -> Option<u64> {
    (s.len() == 16).then(|| u64::from_str_radix(s, 16).ok())?
}

/// The hash cut into [`BANDS`] pieces of 8 bits, each tagged with its position (`<i>:<hex>`).
pub fn bands(hash: u64) -> [String; BANDS] {
    std::array::from_fn(|i| format!("{i}:{:02x}", (hash >> (8 * (BANDS - 1 - i))) & 0xff))
}

/// Photo-like pictures for tests and benchmarks: smooth random scenes, and the edits a repost
/// makes (re-compression, resizing, brightness, a crop, a watermark).
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use std::io::Cursor;

    use image::codecs::jpeg::JpegEncoder;
    use image::{ImageBuffer, Rgb, RgbImage, imageops};

    /// A deterministic photo-like scene for `seed`: soft colour blobs over a gradient.
    pub fn scene(seed: u64, width: u32, height: u32) -> RgbImage {
        let mut s = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f32) / (1u64 << 31) as f32
        };
        let sky = [next() * 255.0, next() * 255.0, next() * 255.0];
        let ground = [next() * 255.0, next() * 255.0, next() * 255.0];
        let blobs: Vec<([f32; 2], f32, [f32; 3])> = (0..12)
            .map(|_| {
                (
                    [next(), next()],
                    0.05 + next() * 0.25,
                    [next() * 255.0, next() * 255.0, next() * 255.0],
                )
            })
            .collect();
        ImageBuffer::from_fn(width, height, |x, y| {
            let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
            let mut c = [0f32; 3];
            for k in 0..3 {
                c[k] = sky[k] * (1.0 - v) + ground[k] * v;
            }
            for ([bx, by], r, col) in &blobs {
                let d2 = ((u - bx).powi(2) + (v - by).powi(2)) / (r * r);
                let w = (-d2).exp();
                for k in 0..3 {
                    c[k] = c[k] * (1.0 - w) + col[k] * w;
                }
            }
            Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8))
        })
    }

    pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(Cursor::new(&mut out), quality)
            .encode_image(img)
            .expect("encoding into memory does not fail");
        out
    }

    /// The edits a repost makes to `img`, each as JPEG bytes, with a name.
    pub fn reposts(img: &RgbImage) -> Vec<(&'static str, Vec<u8>)> {
        let (w, h) = img.dimensions();
        let resized = imageops::resize(img, w * 3 / 5, h * 3 / 5, imageops::FilterType::Triangle);
        let brighter = imageops::colorops::brighten(img, 20);
        let cropped =
            imageops::crop_imm(img, w / 50, h / 50, w - 2 * w / 50, h - 2 * h / 50).to_image();
        let mut marked = img.clone();
        for y in h - h / 10..h - h / 30 {
            for x in w - w / 3..w - w / 30 {
                marked.put_pixel(x, y, Rgb([255, 255, 255]));
            }
        }
        vec![
            ("re-compressed (quality 40)", jpeg(img, 40)),
            ("resized to 60%", jpeg(&resized, 80)),
            ("brightened", jpeg(&brighter, 80)),
            ("cropped 2% a side", jpeg(&cropped, 80)),
            ("watermarked", jpeg(&marked, 80)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{jpeg, reposts, scene};
    use super::*;

    #[test]
    fn a_repost_is_near_and_another_picture_is_far() {
        let mut nearest_other = u32::MAX;
        let mut farthest_repost = 0;
        let hashes: Vec<u64> = (0..40)
            .map(|seed| perceptual_hash(&jpeg(&scene(seed, 320, 240), 85)).expect("decodes"))
            .collect();
        for seed in 0..40u64 {
            let original = hashes[seed as usize];
            for (edit, bytes) in reposts(&scene(seed, 320, 240)) {
                let d = distance(original, perceptual_hash(&bytes).expect("decodes"));
                assert!(
                    near_duplicate(original, perceptual_hash(&bytes).unwrap()),
                    "seed {seed}, {edit}: {d} bits apart"
                );
                farthest_repost = farthest_repost.max(d);
            }
            for (other, h) in hashes.iter().enumerate().skip(seed as usize + 1) {
                let d = distance(original, *h);
                assert!(
                    !near_duplicate(original, *h),
                    "seeds {seed} and {other}: {d} bits apart"
                );
                nearest_other = nearest_other.min(d);
            }
        }
        println!(
            "farthest repost {farthest_repost} bits, nearest other picture {nearest_other} bits"
        );
    }

    #[test]
    fn bands_find_every_near_duplicate() {
        let a = 0x0123_4567_89ab_cdefu64;
        // Flip NEAR_DUPLICATE_BITS bits, one in each of the first bands: one band still agrees.
        let b = (0..NEAR_DUPLICATE_BITS).fold(a, |h, i| h ^ (1 << (8 * i + 3)));
        assert!(near_duplicate(a, b));
        let shared = bands(a)
            .iter()
            .zip(bands(b))
            .filter(|(x, y)| **x == *y)
            .count();
        assert_eq!(shared, BANDS - NEAR_DUPLICATE_BITS as usize);
        assert_eq!(from_hex(&to_hex(a)), Some(a));
        assert_eq!(from_hex("xyz"), None);
        assert_eq!(bands(a)[0], "0:01");
        assert_eq!(bands(a)[7], "7:ef");
    }

    #[test]
    fn not_a_photo_has_no_hash() {
        assert_eq!(perceptual_hash(b"not an image"), None);
        assert_eq!(perceptual_hash(&[]), None);
        // A JPEG header claiming a picture larger than MAX_SIDE is refused before decoding.
        let mut huge = jpeg(&scene(1, 16, 16), 80);
        let sof = huge
            .windows(2)
            .position(|w| w == [0xff, 0xc0])
            .expect("a SOF0 marker");
        huge[sof + 5..sof + 9].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(perceptual_hash(&huge), None);
    }
}
