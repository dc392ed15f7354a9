//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! Inputs are plain text so the seed corpus stays readable and editable: a few header lines,
//! then a free-form rest. libFuzzer's mutations shift lines around freely; every split is
//! total (a missing line is `None`), so any byte string is a valid input.

/// Splits `data` into `N` leading `\n`-terminated lines and the rest. A line that is not
/// there (the input ran out) is `None`; the rest is then empty.
pub fn lines<const N: usize>(data: &[u8]) -> ([Option<&[u8]>; N], &[u8]) {
    let mut out = [None; N];
    let mut rest = data;
    for slot in &mut out {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                *slot = Some(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                if !rest.is_empty() {
                    *slot = Some(rest);
                }
                rest = &[];
                break;
            }
        }
    }
    (out, rest)
}

/// Bytes as text, the way a lenient reader would see them (invalid UTF-8 becomes U+FFFD).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A deterministic position in `0..len` derived from the input (for "flip one byte" checks).
pub fn pick(data: &[u8], len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let h = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (h % len as u64) as usize
}
