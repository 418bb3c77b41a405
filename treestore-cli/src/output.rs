//! Where results go and how they read: one buffered stdout for results (text or JSON), and the
//! small formatters every command shares (sizes, pages, dates, columns).

use std::io::{self, IsTerminal, Write};

use serde_json::Value as Json;
use treestore_core::document::Node;
use treestore_core::record::ToRecord;
use treestore_core::time::{self, Timestamp};

/// Results on stdout. Nothing else is ever written there: progress and errors go to stderr.
pub(crate) struct Out {
    /// Print JSON rather than text.
    pub json: bool,
    /// stdout is a terminal (search highlights matched words in bold there).
    pub tty: bool,
    w: io::BufWriter<io::Stdout>,
}

impl Out {
    pub(crate) fn new(json: bool) -> Out {
        Out {
            json,
            tty: io::stdout().is_terminal(),
            w: io::BufWriter::new(io::stdout()),
        }
    }

    /// One JSON document, pretty-printed, then a newline.
    pub(crate) fn json(&mut self, value: &Json) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.w, value)?;
        self.w.write_all(b"\n")
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// A list of store values as a JSON array of their records.
pub(crate) fn records<T: ToRecord>(items: &[T]) -> Json {
    Json::Array(items.iter().map(|i| i.to_record().to_json()).collect())
}

/// `1.5 MiB`, `812 B`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `p. 3`, `pp. 3-5`, or nothing for a node without pages.
pub(crate) fn pages(node: &Node) -> Option<String> {
    match (node.page_start, node.page_end) {
        (Some(s), Some(e)) if s == e => Some(format!("p. {s}")),
        (Some(s), Some(e)) => Some(format!("pp. {s}-{e}")),
        _ => None,
    }
}

/// A date as `2024-01-01` when it is midnight UTC, else RFC 3339.
pub(crate) fn date(ts: Timestamp) -> String {
    let full = time::format(ts);
    match full.strip_suffix("T00:00:00Z") {
        Some(day) => day.to_string(),
        None => full,
    }
}

/// A moment to the second, in UTC: `2024-01-01 12:30:05`.
pub(crate) fn moment(ts: Timestamp) -> String {
    let full = time::format(ts.div_euclid(1_000_000) * 1_000_000);
    full.trim_end_matches('Z').replacen('T', " ", 1)
}

/// One line of a node in lists: `4.1 MRI of the Lumbar Spine (pp. 4-5) [0008]`.
pub(crate) fn node_line(node: &Node) -> String {
    let mut line = String::new();
    if !node.section_path.is_empty() {
        line.push_str(&node.section_path);
        line.push(' ');
    }
    line.push_str(if node.title.is_empty() {
        "(untitled)"
    } else {
        &node.title
    });
    if let Some(p) = pages(node) {
        line.push_str(&format!(" ({p})"));
    }
    line.push_str(&format!(" [{}]", node.node_id));
    line
}

/// At most `max` characters of `s`, ending in `…` when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((at, _)) if s[at..].chars().count() > 1 => format!("{}…", &s[..at]),
        _ => s.to_string(),
    }
}

/// Rows as left-aligned columns two spaces apart (the last column is not padded).
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 20), "3.0 MiB");
    }

    #[test]
    fn dates_drop_a_midnight_time() {
        assert_eq!(date(time::parse("2024-01-01").unwrap()), "2024-01-01");
        assert_eq!(
            date(time::parse("2024-01-01T12:30:00Z").unwrap()),
            "2024-01-01T12:30:00Z"
        );
    }

    #[test]
    fn moments_drop_the_fraction() {
        let ts = time::parse("2024-01-01T12:30:05.123456Z").unwrap();
        assert_eq!(moment(ts), "2024-01-01 12:30:05");
    }

    #[test]
    fn node_lines_show_path_title_pages_and_id() {
        let mut n = Node {
            node_id: "0008".into(),
            title: "MRI".into(),
            section_path: "4.1".into(),
            page_start: Some(4),
            page_end: Some(5),
            ..Node::default()
        };
        assert_eq!(node_line(&n), "4.1 MRI (pp. 4-5) [0008]");
        n.page_end = Some(4);
        n.section_path.clear();
        assert_eq!(node_line(&n), "MRI (p. 4) [0008]");
    }

    #[test]
    fn clipping_keeps_short_text_and_marks_a_cut() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip("", 3), "");
        assert_eq!(clip("ééé", 2), "é…");
    }

    #[test]
    fn columns_align_on_the_widest_cell() {
        let rows = vec![
            vec!["a".to_string(), "bb".to_string(), "c".to_string()],
            vec!["aaa".to_string(), "b".to_string(), String::new()],
        ];
        assert_eq!(columns(&rows), "a    bb  c\naaa  b\n");
    }
}
