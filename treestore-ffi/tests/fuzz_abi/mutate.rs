//! Mutations of a seed JSON input: up to three edits of its tree (a value replaced by a telling
//! one, a field dropped or added, a list or string grown), then sometimes damage to its bytes.

use serde_json::{json, Map, Value};
use treestore_core::rng::Rng;

/// Stands for a string with a lone UTF-16 surrogate escape, which `Value` cannot hold.
const SURROGATE: &str = "@@surrogate@@";
/// Stands for lists nested far deeper than any parser allows.
const DEEP: &str = "@@deep@@";

/// Values that probe types, ranges, limits and encodings.
fn telling(rng: &mut Rng) -> Value {
    match rng.below(24) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(i64::MIN),
        5 => json!(i64::MAX),
        6 => json!(u64::MAX),
        7 => json!(1e308),
        8 => json!(-0.5),
        9 => json!(""),
        10 => json!("\u{0}"),
        11 => json!("x".repeat(257)),
        12 => json!("y".repeat(70_000)),
        13 => json!("é漢字🙂\u{202e}"),
        14 => json!("2024-13-45T99:99:99Z"),
        15 => json!([]),
        16 => json!({}),
        17 => json!([1, "a", null, {"k": []}]),
        18 => json!(SURROGATE),
        19 => json!(DEEP),
        20 => json!(4_294_967_296u64),
        21 => json!("-9223372036854775809"),
        22 => json!({"title": "nested", "nodes": [{"node_id": "r"}]}),
        _ => json!("r"),
    }
}

/// JSON pointers to every value of `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Keys a caller might misspell or add.
const KEYS: [&str; 6] = [
    "node_id",
    "parent_id",
    "limit",
    "cursor",
    "unknown_field",
    "",
];

/// One edit of the value at a random place of `root`.
fn edit(root: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    pointers(root, String::new(), &mut all);
    let at = all[rng.index(all.len())].clone();
    let Some(v) = root.pointer_mut(&at) else {
        return;
    };
    match (rng.below(4), v) {
        (0, Value::Object(m)) if !m.is_empty() => {
            let key = m
                .keys()
                .nth(rng.index(m.len()))
                .cloned()
                .unwrap_or_default();
            m.shift_remove(&key);
        }
        (1, Value::Object(m)) => {
            let key = KEYS[rng.index(KEYS.len())];
            m.insert(key.into(), telling(rng));
        }
        (2, Value::Array(a)) if !a.is_empty() => {
            let grown: Vec<Value> = a.iter().cycle().take(1_000).cloned().collect();
            *a = grown;
        }
        (2, Value::String(s)) => *s = s.repeat(1 + 20_000 / (s.len() + 1)),
        (3, Value::Array(a)) => a.insert(rng.index(a.len() + 1), telling(rng)),
        (_, v) => *v = telling(rng),
    }
}

/// The text with the placeholders written out.
fn expand(text: String) -> String {
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    text.replace(&format!("\"{SURROGATE}\""), "\"a\\ud800b\"")
        .replace(&format!("\"{DEEP}\""), &deep)
}

/// Damage to the bytes themselves: cut short, a byte that is not UTF-8, a NUL, a byte changed.
fn damage(bytes: &mut Vec<u8>, rng: &mut Rng) {
    let at = rng.index(bytes.len() + 1);
    match rng.below(4) {
        0 => bytes.truncate(at),
        1 => bytes.insert(at, 0xFF),
        2 => bytes.insert(at, 0),
        _ if at < bytes.len() => bytes[at] = rng.below(256) as u8,
        _ => bytes.push(b'}'),
    }
}

/// `seed` edited up to three times, and in one call of seven damaged as bytes too.
pub fn mutated(seed: &str, rng: &mut Rng) -> Vec<u8> {
    let mut value: Value = serde_json::from_str(seed).expect("the seeds are JSON");
    // One call in eight keeps the tree as it is (its transaction or bytes may still differ).
    let edits = if rng.below(8) == 0 {
        0
    } else {
        rng.range(1, 3)
    };
    for _ in 0..edits {
        edit(&mut value, rng);
    }
    if rng.below(16) == 0 {
        let mut wrapper = Map::new();
        wrapper.insert("document".into(), value);
        value = Value::Object(wrapper);
    }
    let text = serde_json::to_string(&value).expect("a Value serializes");
    let mut bytes = expand(text).into_bytes();
    if rng.below(7) == 0 {
        damage(&mut bytes, rng);
    }
    bytes
}
