"""Tree search as the reasoning service does it: read the table of contents (titles, pages,
summaries; no text), pick sections, expand their children, read the texts of the ones that matter.

    python examples/python/tree_search.py [DB]
"""

from sample import POLICY, open_sample

import treestore


def outline(db: treestore.TreeStore, policy_id: str) -> list:
    """The structure as (depth, node_id, title, pages) rows, the way a model is shown it."""
    nodes = db.get_structure(policy_id, summary_chars=80)["nodes"]
    return [(n["depth"], n["node_id"], n["title"], n["page_start"], n["page_end"]) for n in nodes]


def expand(db: treestore.TreeStore, policy_id: str, keyword: str) -> list:
    """The children of every top-level section whose title holds ``keyword``, with their text."""
    found = []
    for section in db.get_children(policy_id, include_text=False):
        if keyword.lower() in section["title"].lower():
            for child in db.get_children(policy_id, section["node_id"]):
                found.append(child)
    return found


def main() -> None:
    with open_sample() as db:
        for depth, node_id, title, start, end in outline(db, POLICY):
            pages = f"p. {start}-{end}" if start is not None else ""
            print(f"{'  ' * depth}{node_id} {title} {pages}")
        print("\nexpanding 'Medical Necessity':")
        for child in expand(db, POLICY, "medical necessity"):
            print(f"  {child['section_path']} {child['title']}: {child['text'][:70]}...")
        hit = db.search(POLICY, "urgent", limit=1)[0]
        path = " > ".join(n["title"] for n in db.get_ancestor_path(POLICY, hit["node_id"], include_text=False))
        print(f"\nbest hit for 'urgent': {path}")


if __name__ == "__main__":
    main()
