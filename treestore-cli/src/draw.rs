//! Drawing nodes in pre-order as an indented tree with box-drawing connectors, as `tree(1)` does.

use treestore_core::document::Node;

use crate::output::node_line;

/// The lines of `nodes` (pre-order, depth-annotated, the first being the top) drawn as a tree.
/// The top node is `top_label`'s line; every other node hangs below its nearest shallower
/// predecessor.
pub(crate) fn tree(nodes: &[Node], top_label: &str) -> String {
    let Some(first) = nodes.first() else {
        return String::new();
    };
    let base = first.depth;
    let last = last_siblings(nodes);
    let mut out = String::new();
    out.push_str(top_label);
    out.push('\n');
    // `open[k]`: the ancestor at level k + 1 below the top still has siblings to come.
    let mut open: Vec<bool> = Vec::new();
    for (node, &is_last) in nodes.iter().zip(&last).skip(1) {
        let level = (node.depth.saturating_sub(base)) as usize;
        open.truncate(level.saturating_sub(1));
        for &more in &open {
            out.push_str(if more { "│   " } else { "    " });
        }
        out.push_str(if is_last { "└── " } else { "├── " });
        out.push_str(&node_line(node));
        out.push('\n');
        open.push(!is_last);
    }
    out
}

/// For each node, whether no later sibling follows it in the list.
fn last_siblings(nodes: &[Node]) -> Vec<bool> {
    let mut last = vec![true; nodes.len()];
    // seen[d]: a node at depth d came later with no shallower node in between.
    let mut seen: Vec<bool> = Vec::new();
    for (i, node) in nodes.iter().enumerate().rev() {
        let d = node.depth as usize;
        if seen.len() <= d {
            seen.resize(d + 1, false);
        }
        last[i] = !seen[d];
        seen[d] = true;
        seen.truncate(d + 1);
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, depth: u32, path: &str) -> Node {
        Node {
            node_id: id.into(),
            title: format!("T{id}"),
            depth,
            section_path: path.into(),
            ..Node::default()
        }
    }

    #[test]
    fn connectors_follow_the_last_child_of_each_level() {
        let nodes = [
            node("r", 0, ""),
            node("a", 1, "1"),
            node("a1", 2, "1.1"),
            node("a2", 2, "1.2"),
            node("b", 1, "2"),
            node("b1", 2, "2.1"),
        ];
        let want = "\
top
├── 1 Ta [a]
│   ├── 1.1 Ta1 [a1]
│   └── 1.2 Ta2 [a2]
└── 2 Tb [b]
    └── 2.1 Tb1 [b1]
";
        assert_eq!(tree(&nodes, "top"), want);
    }

    #[test]
    fn a_subtree_draws_from_its_own_depth() {
        let nodes = [
            node("a", 3, "1"),
            node("b", 4, "1.1"),
            node("c", 5, "1.1.1"),
        ];
        assert_eq!(
            tree(&nodes, "top"),
            "top\n└── 1.1 Tb [b]\n    └── 1.1.1 Tc [c]\n"
        );
        assert_eq!(tree(&[], "top"), "");
    }
}
