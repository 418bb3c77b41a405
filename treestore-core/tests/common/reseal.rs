//! Shared by the test binaries that damage pages: a page's checksum recomputed after the damage.

/// Recomputes a data page's checksum (crc32 of the page with bytes 4..8 as zero), as the engine
/// does when it writes one: the damage then passes every checksum.
pub fn reseal(page: &mut [u8]) {
    let mut h = crc32fast::Hasher::new();
    h.update(&page[0..4]);
    h.update(&[0u8; 4]);
    h.update(&page[8..]);
    page[4..8].copy_from_slice(&h.finalize().to_le_bytes());
}
