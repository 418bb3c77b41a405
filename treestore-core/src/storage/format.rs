//! The main file's fixed layout: the file header (page 0), the two alternating meta pages (1 and 2),
//! the common 16-byte header every other page starts with, and the page checksum.
//!
//! All integers are little-endian. File header, page 0:
//!
//! | offset | size | field                                  |
//! |-------:|-----:|----------------------------------------|
//! | 0      | 8    | magic `b"TREESTOR"`                    |
//! | 8      | 4    | format version (3)                     |
//! | 12     | 4    | page size in bytes                     |
//! | 16     | 4    | crc32 of bytes 0..16                   |
//!
//! Meta page (pages 1 and 2; the valid one with the higher `seq` wins):
//!
//! | offset | size | field                                           |
//! |-------:|-----:|-------------------------------------------------|
//! | 0      | 4    | magic `b"META"`                                 |
//! | 4      | 4    | crc32 of bytes 8..64                            |
//! | 8      | 8    | checkpoint sequence number (`seq`)              |
//! | 16     | 8    | txid of the last transaction in the checkpoint  |
//! | 24     | 8    | catalog root page (0: no tables)                |
//! | 32     | 8    | high-water mark: pages `[0, hwm)` are in use    |
//! | 40     | 8    | first freelist page (0: none)                   |
//! | 48     | 8    | number of free page ids in the freelist chain   |
//! | 56     | 8    | number of freelist chain pages                  |
//!
//! Every other page starts with:
//!
//! | offset | size | field                                           |
//! |-------:|-----:|-------------------------------------------------|
//! | 0      | 1    | kind (1 leaf, 2 branch, 3 overflow, 4 freelist) |
//! | 1      | 1    | leaf, branch: bytes all its keys share; else 0  |
//! | 2      | 2    | entry count (meaning depends on the kind)       |
//! | 4      | 4    | crc32 of the page with these 4 bytes read as 0  |
//! | 8      | 8    | the page's own number (catches misplaced writes) |

use crate::error::{Error, Result};

pub(crate) const MAGIC: &[u8; 8] = b"TREESTOR";
/// 2: commit records name pages written straight into the main file (direct pages). 3: tree
/// pages keep their keys' shared length in header byte 1 and slot prefixes of the bytes after it
/// (see `btree::page`). A build refuses every other version: an older build would replay a
/// version-2 log without direct pages, or search version-3 pages by the wrong prefixes.
pub(crate) const FORMAT_VERSION: u32 = 3;
pub(crate) const META_PAGES: [u64; 2] = [1, 2];
/// The first page that can hold tree data.
pub(crate) const FIRST_DATA_PAGE: u64 = 3;
pub(crate) const MIN_PAGE_SIZE: u32 = 1024;
pub(crate) const MAX_PAGE_SIZE: u32 = 65536;
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 4096;

const HEADER_LEN: usize = 20;
const META_MAGIC: &[u8; 4] = b"META";
const META_LEN: usize = 64;

/// Size of the header every data page starts with.
pub(crate) const PAGE_HEADER_LEN: usize = 16;

/// What a data page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageKind {
    Leaf = 1,
    Branch = 2,
    Overflow = 3,
    Freelist = 4,
}

impl PageKind {
    pub(crate) fn from_byte(b: u8) -> Option<PageKind> {
        match b {
            1 => Some(PageKind::Leaf),
            2 => Some(PageKind::Branch),
            3 => Some(PageKind::Overflow),
            4 => Some(PageKind::Freelist),
            _ => None,
        }
    }
}

#[inline]
pub(crate) fn read_u16(buf: &[u8], at: usize) -> u16 {
    let mut b = [0u8; 2];
    b.copy_from_slice(&buf[at..at + 2]);
    u16::from_le_bytes(b)
}

#[inline]
pub(crate) fn read_u32(buf: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[at..at + 4]);
    u32::from_le_bytes(b)
}

#[inline]
pub(crate) fn read_u64(buf: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(b)
}

pub(crate) fn write_u16(buf: &mut [u8], at: usize, v: u16) {
    buf[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn write_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn write_u64(buf: &mut [u8], at: usize, v: u64) {
    buf[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Whether `page_size` is one the format allows: a power of two in `[1 KiB, 64 KiB]`.
pub(crate) fn valid_page_size(page_size: u32) -> bool {
    page_size.is_power_of_two() && (MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&page_size)
}

/// Builds page 0 for a new database.
pub(crate) fn encode_file_header(page_size: u32) -> Vec<u8> {
    let mut page = vec![0u8; page_size as usize];
    page[0..8].copy_from_slice(MAGIC);
    write_u32(&mut page, 8, FORMAT_VERSION);
    write_u32(&mut page, 12, page_size);
    let crc = crc32fast::hash(&page[0..16]);
    write_u32(&mut page, 16, crc);
    page
}

/// Validates page 0 (at least its first 20 bytes) and returns the page size.
pub(crate) fn decode_file_header(buf: &[u8]) -> Result<u32> {
    if buf.len() < HEADER_LEN || &buf[0..8] != MAGIC {
        return Err(Error::corruption(
            "file header: not a TreeStore database (bad magic)",
        ));
    }
    if crc32fast::hash(&buf[0..16]) != read_u32(buf, 16) {
        return Err(Error::corruption("file header (page 0): checksum mismatch"));
    }
    let version = read_u32(buf, 8);
    if version != FORMAT_VERSION {
        let age = if version < FORMAT_VERSION {
            "an older"
        } else {
            "a newer"
        };
        return Err(Error::corruption(format!(
            "file header: format version {version} was written by {age} TreeStore; this build \
             reads only version {FORMAT_VERSION}"
        )));
    }
    let page_size = read_u32(buf, 12);
    if !valid_page_size(page_size) {
        return Err(Error::corruption(format!(
            "file header: invalid page size {page_size}"
        )));
    }
    Ok(page_size)
}

/// The state a checkpoint makes durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Meta {
    pub seq: u64,
    pub txid: u64,
    pub catalog_root: u64,
    pub hwm: u64,
    pub freelist_head: u64,
    pub freelist_count: u64,
    pub freelist_pages: u64,
}

impl Meta {
    /// The meta of a database that was just created.
    pub(crate) fn empty() -> Meta {
        Meta {
            hwm: FIRST_DATA_PAGE,
            ..Meta::default()
        }
    }

    /// Which of the two meta pages this meta is written to.
    pub(crate) fn slot_page(&self) -> u64 {
        META_PAGES[(self.seq % 2) as usize]
    }

    pub(crate) fn encode(&self, page_size: u32) -> Vec<u8> {
        let mut page = vec![0u8; page_size as usize];
        page[0..4].copy_from_slice(META_MAGIC);
        let fields = [
            self.seq,
            self.txid,
            self.catalog_root,
            self.hwm,
            self.freelist_head,
            self.freelist_count,
            self.freelist_pages,
        ];
        for (i, v) in fields.iter().enumerate() {
            write_u64(&mut page, 8 + i * 8, *v);
        }
        let crc = crc32fast::hash(&page[8..META_LEN]);
        write_u32(&mut page, 4, crc);
        page
    }

    /// Decodes a meta page; `None` when it is torn or never written.
    pub(crate) fn decode(buf: &[u8]) -> Option<Meta> {
        if buf.len() < META_LEN || &buf[0..4] != META_MAGIC {
            return None;
        }
        if crc32fast::hash(&buf[8..META_LEN]) != read_u32(buf, 4) {
            return None;
        }
        let f = |i: usize| read_u64(buf, 8 + i * 8);
        Some(Meta {
            seq: f(0),
            txid: f(1),
            catalog_root: f(2),
            hwm: f(3),
            freelist_head: f(4),
            freelist_count: f(5),
            freelist_pages: f(6),
        })
    }
}

/// The checksum of a data page: crc32 of the page with bytes 4..8 taken as zero.
pub(crate) fn page_checksum(page: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&page[0..4]);
    h.update(&[0u8; 4]);
    h.update(&page[8..]);
    h.finalize()
}

/// Writes the common header of a data page, except its checksum.
pub(crate) fn init_page_header(page: &mut [u8], kind: PageKind, count: u16, page_no: u64) {
    page[0] = kind as u8;
    page[1] = 0;
    write_u16(page, 2, count);
    write_u32(page, 4, 0);
    write_u64(page, 8, page_no);
}

/// Stamps the checksum into a finished data page.
pub(crate) fn seal_page(page: &mut [u8]) {
    let crc = page_checksum(page);
    write_u32(page, 4, crc);
}

/// Verifies a data page's checksum and self-number.
pub(crate) fn verify_page(page: &[u8], page_no: u64) -> Result<()> {
    if page.len() < PAGE_HEADER_LEN {
        return Err(Error::corruption(format!("page {page_no}: truncated")));
    }
    if page_checksum(page) != read_u32(page, 4) {
        return Err(Error::corruption(format!(
            "page {page_no}: checksum mismatch"
        )));
    }
    let stored = read_u64(page, 8);
    if stored != page_no {
        return Err(Error::corruption(format!(
            "page {page_no}: holds page number {stored} (misplaced write)"
        )));
    }
    if PageKind::from_byte(page[0]).is_none() {
        return Err(Error::corruption(format!(
            "page {page_no}: unknown page kind {}",
            page[0]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_rejects_flipped_bytes() {
        let meta = Meta {
            seq: 7,
            txid: 42,
            catalog_root: 9,
            hwm: 100,
            freelist_head: 12,
            freelist_count: 30,
            freelist_pages: 1,
        };
        let page = meta.encode(4096);
        assert_eq!(Meta::decode(&page), Some(meta));
        for i in 0..64 {
            let mut bad = page.clone();
            bad[i] ^= 0x40;
            assert_eq!(Meta::decode(&bad), None, "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn file_header_checks_magic_crc_and_page_size() {
        let page = encode_file_header(8192);
        assert_eq!(decode_file_header(&page).unwrap(), 8192);
        let mut bad = page.clone();
        bad[13] ^= 1;
        assert!(decode_file_header(&bad).is_err());
        assert!(decode_file_header(b"SQLite format 3\0xxxxxxxx").is_err());
        let mut old = page.clone();
        write_u32(&mut old, 8, FORMAT_VERSION - 1);
        let crc = crc32fast::hash(&old[0..16]);
        write_u32(&mut old, 16, crc);
        let err = decode_file_header(&old).unwrap_err().to_string();
        assert!(
            err.contains("format version 2") && err.contains("older"),
            "{err}"
        );
    }

    #[test]
    fn page_checksum_catches_any_flip() {
        let mut page = vec![0u8; 1024];
        init_page_header(&mut page, PageKind::Leaf, 3, 77);
        page[100] = 5;
        seal_page(&mut page);
        verify_page(&page, 77).unwrap();
        assert!(verify_page(&page, 78).is_err());
        for i in [0usize, 4, 9, 100, 1023] {
            let mut bad = page.clone();
            bad[i] ^= 0x01;
            assert!(verify_page(&bad, 77).is_err(), "flip at {i}");
        }
    }
}
