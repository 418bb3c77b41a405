"""Cross-reference lookup: curate links between sections, then ask what relates to a criterion
(curated links first, then keyword hits, their siblings, and see-also links).

    python examples/python/cross_references.py [DB]
"""

from sample import POLICY, open_sample


def main() -> None:
    with open_sample() as db:
        db.store_cross_reference(
            {"source_policy_id": POLICY, "source_node_id": "0008", "target_policy_id": POLICY,
             "target_node_id": "0013", "reference_type": "see_also", "context": "urgent lumbar MRI"}
        )  # fmt: skip
        for ref in db.get_cross_references(POLICY, "0008"):
            print(f"{ref['source_node_id']} -{ref['reference_type']}-> {ref['target_node_id']}: {ref['context']}")
        print("related to 0008 (MRI of the Lumbar Spine):")
        for r in db.find_related(POLICY, "0008", ["neurological", "deficit"], limit=5):
            detail = r.get("reference_type") or r.get("hit_node_id") or round(r.get("score", 0), 2)
            print(f"  {r['reason']:<15} {r['node']['node_id']} {r['node']['title']} ({detail})")
        enriched = db.enriched_node(POLICY, "0008")
        print(f"0008 in version {enriched['version']['version_id']}: "
              f"{len(enriched['cross_references'])} cross-reference(s)")  # fmt: skip


if __name__ == "__main__":
    main()
