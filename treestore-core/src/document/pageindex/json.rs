//! A small JSON writer that formats like Python's `json.dump` (PageIndex's writer): with an indent
//! of 2, `", "`-free line ends and `": "` after keys, and optionally every non-ASCII character
//! escaped as `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF). Compact output has no spaces.

use serde_json::Value;

/// Where output goes and how it looks.
pub(super) struct JsonWriter {
    pub out: String,
    pub pretty: bool,
    pub ascii: bool,
}

impl JsonWriter {
    /// A line break and `level` levels of indent (pretty), or nothing.
    pub fn newline(&mut self, level: usize) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..level {
                self.out.push_str("  ");
            }
        }
    }

    /// The separator between a key and its value.
    pub fn colon(&mut self) {
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    pub fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                '\u{8}' => self.out.push_str("\\b"),
                '\u{c}' => self.out.push_str("\\f"),
                c if (c as u32) < 0x20 || (self.ascii && (c as u32) > 0x7e) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        self.out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    /// Writes any value at nesting `level` (for the fields PageIndex nodes carry; shallow).
    pub fn value(&mut self, v: &Value, level: usize) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.out.push_str(&n.to_string()),
            Value::String(s) => self.string(s),
            Value::Array(items) if items.is_empty() => self.out.push_str("[]"),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(level + 1);
                    self.value(item, level + 1);
                }
                self.newline(level);
                self.out.push(']');
            }
            Value::Object(map) if map.is_empty() => self.out.push_str("{}"),
            Value::Object(map) => {
                self.out.push('{');
                for (i, (k, item)) in map.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(level + 1);
                    self.string(k);
                    self.colon();
                    self.value(item, level + 1);
                }
                self.newline(level);
                self.out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_python() {
        let mut w = JsonWriter {
            out: String::new(),
            pretty: true,
            ascii: true,
        };
        w.string("a\"b\\c\n\u{1}é\u{2019}😀\u{7f}");
        assert_eq!(w.out, r#""a\"b\\c\n\u0001\u00e9\u2019\ud83d\ude00\u007f""#);
        let mut w = JsonWriter {
            out: String::new(),
            pretty: false,
            ascii: false,
        };
        w.string("é\u{7f}");
        assert_eq!(w.out, "\"é\u{7f}\"");
    }

    #[test]
    fn pretty_values_match_python_indent_2() {
        let v: Value =
            serde_json::from_str(r#"{"a": [1, {"b": null}], "c": {}, "d": []}"#).unwrap();
        let mut w = JsonWriter {
            out: String::new(),
            pretty: true,
            ascii: true,
        };
        w.value(&v, 0);
        assert_eq!(
            w.out,
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}"
        );
    }
}
